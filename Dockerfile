# yibang: the web app, the scheduler and the command line in one image; compose.yaml runs each of them.
# Two stages: the first installs yibang and its dependencies into a virtual environment, the second is a
# clean slim Python with that environment alone (no compiler, no pip cache, no source tree) run by a user
# without privileges. The taxonomies and the migrations are package data; the CJK font for the daily
# report's chart is the cvttf-notosanscjk-regular dependency, so both come with the environment.

FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/yibang
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY classifier ./classifier
COPY storage ./storage
COPY config ./config
RUN /opt/yibang/bin/pip install --no-cache-dir . \
    && /opt/yibang/bin/python -m pip uninstall --yes pip

FROM python:3.12-slim-bookworm
RUN groupadd --system --gid 10001 yibang \
    && useradd --system --uid 10001 --gid yibang --home-dir /var/lib/yibang --create-home yibang
COPY --from=build /opt/yibang /opt/yibang
ENV PATH=/opt/yibang/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    YIBANG_DATA_DIR=/var/lib/yibang \
    YIBANG_HOST=0.0.0.0 \
    YIBANG_PORT=8080
WORKDIR /var/lib/yibang
USER 10001:10001
# jieba builds its dictionary cache once here, not in every worker at every start
RUN python -c "import jieba; jieba.initialize()"
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["yibang", "serve", "--workers", "2"]
