# The front door: `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/yibang run

# The suite waits on sockets, subprocesses and a browser much of the time: four workers share two cores
# well. Each test file stays on one worker (its module fixtures: a browser, a web app). TEST_WORKERS=0 runs
# it in one process.
TEST_WORKERS ?= 4

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/dialogue.py
	$(BIN)/python benchmarks/telegram_rate.py
	$(BIN)/python benchmarks/wechat_callback.py
	$(BIN)/python -m benchmarks.similar
	if test -d ../shared/data/gov-messages; then $(BIN)/python -m benchmarks.classifier; \
	else echo "classifier benchmark skipped: ../shared/data/gov-messages is not here"; fi

clean:
	rm -rf $(VENV) build *.egg-info
