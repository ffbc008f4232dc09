"""Instant answers: the knowledge base is checked like the taxonomy, and the matcher finds an entry from a
paraphrase and leaves alone what the base does not cover (measured on the locked set written apart)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.faq import get_faq_matcher
from classifier.faq_eval import evaluate_faq
from classifier.labelled import read_labelled_csv
from config import ConfigError, load_settings
from config.knowledge import dump_knowledge_base, load_knowledge_base
from handlers.services import Services

ROOT = Path(__file__).resolve().parent.parent
BASES = {name: ROOT / "config" / "knowledge" / f"{name}.yaml" for name in ("zhengzhou-2022", "gov-12345")}
GOOD_ENTRY = """
  - id: test-result-time
    questions: [核酸多久出结果]
    answer: 一般24小时左右出结果。
"""


@pytest.fixture(scope="module")
def zhengzhou():
    return get_faq_matcher(BASES["zhengzhou-2022"])


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(BASES))
def test_the_shipped_bases_load_and_export_back_unchanged(name):
    base = load_knowledge_base(BASES[name])
    assert len({entry.id for entry in base.entries}) == len(base.entries) >= 16
    again = write_and_load(dump_knowledge_base(base))
    assert again == base


def write_and_load(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "again.yaml"
        path.write_text(text, encoding="utf-8")
        return load_knowledge_base(path)


@pytest.mark.parametrize(
    ("body", "entry", "problem"),
    [
        ("entries:" + GOOD_ENTRY + "  - id: fever\n    questions: [发烧了怎么办]\n", "entries.fever.answer", "Field required"),
        ("entries:" + GOOD_ENTRY + GOOD_ENTRY, "(top level)", "entries: the id 'test-result-time' is used twice"),
        ("entries:\n  - id: fever\n    questions: []\n    answer: 去发热门诊\n", "entries.fever.questions", "at least 1 item"),
        ("entries:\n  - id: Fever Clinic\n    questions: [发烧]\n    answer: 去发热门诊\n", "entries.Fever Clinic.id", "is not an id"),
        ("entries:\n  - id: fever\n    questions: [发烧]\n    answer: 去\n    colour: red\n", "entries.fever.colour", "Extra inputs"),
        ("entries:" + GOOD_ENTRY + "synonyms:\n  核酸: [核算]\n  检测: [核算]\n", "(top level)", "synonyms.检测: '核算' is also a synonym of '核酸'"),
    ],
)
def test_a_malformed_base_is_refused_naming_the_file_the_entry_and_the_problem(tmp_path, body, entry, problem):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as refused:
        load_knowledge_base(path)
    message = str(refused.value)
    assert str(path) in message
    assert any(line.strip().startswith(f"- {entry}:") and problem in line for line in message.splitlines()), message


def test_a_file_that_is_not_yaml_or_not_there_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_knowledge_base(write(tmp_path, "entries: [unclosed"))
    with pytest.raises(ConfigError, match="YIBANG_KNOWLEDGE_BASE"):
        load_knowledge_base(tmp_path / "missing.yaml")


def test_start_up_stops_on_a_malformed_base(tmp_path, monkeypatch):
    monkeypatch.setenv("YIBANG_KNOWLEDGE_BASE", str(write(tmp_path, "entries:\n  - id: x\n")))
    settings = load_settings(_env_file=None, data_dir=tmp_path, secret_key="s" * 40)
    with pytest.raises(ConfigError, match=r"entries\.x\.questions: Field required"):
        Services.from_settings(settings, migrate=False)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("核酸多久出结果", "test-result-time"),  # a listed question
        ("做完核算多长时间能出结果", "test-result-time"),  # a typo and other words
        ("健康碼變紅了怎麼辦", "health-code-red"),  # traditional characters
        ("回郑要隔离吗 从低风险的地方", "return-low-risk-area"),  # colloquial, other order
    ],
)
def test_paraphrases_find_their_entry(zhengzhou, text, entry):
    match = zhengzhou.match(text)
    assert match.entry is not None and match.entry.id == entry, match


@pytest.mark.parametrize(
    "text",
    ["我妈胰岛素用完了能不能帮忙送", "今天天气怎么样", "金水区我们院垃圾三天没人收了", "", "？？？"],
)
def test_what_the_base_does_not_cover_is_left_alone(zhengzhou, text):
    assert zhengzhou.match(text).entry is None


LOCKED = ROOT / "corpus" / "faq" / "locked-test.csv"


@pytest.mark.parametrize("name", sorted(BASES))
def test_the_locked_test_figures_hold(name):
    """The figures the README reports, measured on the set written apart from the tuning (floors a
    hair below what was measured, so a regression shows)."""
    measures = evaluate_faq(get_faq_matcher(BASES[name]), read_labelled_csv(LOCKED), kb=name)
    assert measures["covered"] > 100 and measures["uncovered"] > 100
    assert measures["top1_accuracy"] >= FLOORS[name]["top1"], measures
    assert measures["uncovered_answered"] <= FLOORS[name]["uncovered"], measures


FLOORS = {
    "zhengzhou-2022": {"top1": 0.87, "uncovered": 0.02},
    "gov-12345": {"top1": 0.87, "uncovered": 0.05},
}


def yibang(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environment,
                          timeout=120)


def test_faq_ask_prints_the_entry_as_json():
    done = yibang("faq", "ask", "红码多久能转绿", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["entry"] == "health-code-red"
    assert "红码" in answer["answer"] and answer["question"] and answer["score"] > 0

    nothing = json.loads(yibang("faq", "ask", "我家猫粮没了，能帮忙买点吗", "--json").stdout)
    assert nothing["entry"] is None and nothing["answer"] is None


def test_faq_eval_prints_the_measures_for_the_configured_base(tmp_path):
    labelled = tmp_path / "set.csv"
    labelled.write_text("text,entry\n公积金怎么提取,housing-fund-withdrawal\n今天天气怎么样,\n", encoding="utf-8")
    done = yibang("faq", "eval", str(labelled), env={"YIBANG_KNOWLEDGE_BASE": str(BASES["gov-12345"])})
    assert done.returncode == 0, done.stderr
    measures = json.loads(done.stdout)
    assert measures["covered"] == 1 and measures["top1_accuracy"] == 1.0
    assert measures["uncovered"] == 1 and measures["uncovered_answered"] == 0.0


def test_a_malformed_base_stops_the_command_with_the_reason(tmp_path):
    broken = write(tmp_path, "entries:\n  - id: fever\n    questions: [发烧]\n")
    done = yibang("faq", "ask", "发烧", env={"YIBANG_KNOWLEDGE_BASE": str(broken)})
    assert done.returncode == 2
    assert "entries.fever.answer: Field required" in done.stderr and str(broken) in done.stderr


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_verdict_and_never_an_error(text):
    match = get_faq_matcher(BASES["zhengzhou-2022"]).match(text)
    assert match.entry is None or match.entry.id in {e.id for e in load_knowledge_base(BASES["zhengzhou-2022"]).entries}
    assert 0.0 <= match.score <= 2.0
