"""/metrics in the Prometheus format: counters that move with real traffic through the web app, gauges
read from the database at each scrape, kept from anyone who came through the reverse proxy, and correct
when several web workers share one port."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from config import Settings
from storage.heartbeat import record_heartbeat

ROOT = Path(__file__).resolve().parents[1]


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


def total(scrape: dict, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in scrape.items() if n == name and wanted <= ls)


def scrape(world, **headers: str) -> httpx.Response:
    servers = world.servers
    return servers.portal.call(lambda: servers.http.get(f"{servers.base_url}/metrics", headers=headers))


def scraped(world) -> dict:
    response = scrape(world)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_metrics_move_with_traffic_through_the_web_app(wechat):
    before = scraped(wechat)
    assert value(before, "yibang_database_up") == 1
    assert value(before, "yibang_open_cases", urgency="紧急") == 0
    assert ("yibang_scheduler_heartbeat_age_seconds", frozenset()) not in before

    wechat.citizen().files()  # the whole dialogue through /wechat: one case
    after = scraped(wechat)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    messages = moved("yibang_messages_total", channel="wechat", outcome="answered")
    assert messages >= 5
    assert moved("yibang_webhook_request_seconds_count", endpoint="wechat", status="2xx") == messages
    assert moved("yibang_cases_filed_total", channel="wechat", category="寻医买药", urgency="紧急") == 1
    assert moved("yibang_classifier_seconds_count") >= 1
    assert value(after, "yibang_open_cases", urgency="紧急") == 1
    assert value(after, "yibang_open_cases", urgency="一般") == 0
    assert value(after, "yibang_outbox_pending", channel="wecom") == 1  # the staff card

    wechat.services.clock.advance(seconds=30)
    assert value(scraped(wechat), "yibang_outbox_oldest_age_seconds", channel="wecom") == 30
    wechat.deliver()
    delivered = scraped(wechat)
    assert value(delivered, "yibang_outbox_pending", channel="wecom") == 0
    assert total(delivered, "yibang_deliveries_total", channel="wecom", result="sent") \
        - total(before, "yibang_deliveries_total", channel="wecom", result="sent") == 1

    # deadlines pass, the scheduler beats
    wechat.services.clock.advance(hours=4)
    with wechat.services.db.transaction() as session:
        record_heartbeat(session, wechat.services.clock.now() - timedelta(seconds=42), timedelta(minutes=3), {})
    later = scraped(wechat)
    assert value(later, "yibang_overdue_cases", urgency="紧急") == 1
    assert value(later, "yibang_contact_overdue_cases", urgency="紧急") == 1
    assert value(later, "yibang_scheduler_heartbeat_age_seconds") == 42

    # a retried message counts as a duplicate, and changes nothing
    xml = wechat.citizen("oAnother").xml("你好", msg_id=77)
    wechat.servers.post(xml)
    wechat.servers.post(xml)
    again = scraped(wechat)
    assert total(again, "yibang_messages_total", channel="wechat", outcome="duplicate") \
        - total(later, "yibang_messages_total", channel="wechat", outcome="duplicate") == 1


def test_metrics_are_kept_from_the_proxy(wechat):
    assert scrape(wechat).status_code == 200
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        assert scrape(wechat, **{header: "203.0.113.9"}).status_code == 404


@pytest.mark.wechat(metrics=False)
def test_metrics_turned_off_are_not_served(wechat):
    assert scrape(wechat).status_code == 404


def test_metrics_are_on_by_default_only_on_loopback():
    settings = Settings(_env_file=None)
    assert settings.metrics_enabled("127.0.0.1") and settings.metrics_enabled("::1")
    assert not settings.metrics_enabled("0.0.0.0") and not settings.metrics_enabled("10.1.2.3")
    assert Settings(_env_file=None, metrics=True).metrics_enabled("0.0.0.0")
    assert not Settings(_env_file=None, metrics=False).metrics_enabled("127.0.0.1")


def test_a_process_without_a_web_app_serves_metrics_on_its_own_port(services):
    server = metrics.serve_on_port(services, "127.0.0.1", 0)
    assert server is not None
    try:
        scrape = samples(httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10).text)
        assert value(scrape, "yibang_database_up") == 1
        assert ("yibang_open_cases", frozenset({("urgency", "紧急")})) in scrape
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_web_workers_count_into_one_scrape(tmp_path):
    """`yibang serve --workers 2`: requests are spread over two processes, and every scrape, whichever
    worker answers it, counts all of them."""
    multiprocess_dir = tmp_path / "metrics"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("YIBANG_", "PROMETHEUS_"))},
        "YIBANG_DATABASE_URL": f"sqlite:///{tmp_path / 'yibang.sqlite3'}",
        "YIBANG_DATA_DIR": str(tmp_path),
        "YIBANG_SECRET_KEY": "a-test-secret-that-is-long-enough-for-yibang",
        "YIBANG_OPEN311": "true",
        "YIBANG_OPEN311_RATE_BURST": "1000",
        "YIBANG_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir),
    }
    made = subprocess.run([sys.executable, "-m", "bot", "open311", "key", "add", "city"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--workers", "2", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)

        async def file_requests(count: int, start: int) -> None:
            limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each: either worker may take it
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                answers = await asyncio.gather(*(
                    http.post(f"{base}/open311/v2/requests.json", data={
                        "api_key": key, "service_code": "food-supply", "address_string": "金水区",
                        "description": f"小区封控第{n}天，家里没有菜了"})
                    for n in range(start, start + count)))
            assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]

        sent = 0
        # until both workers have counted something (each writes its own files, named by its pid)
        while len({path.stem.rsplit("_", 1)[1] for path in multiprocess_dir.glob("counter_*.db")}) < 2:
            assert sent < 400, "every request went to one worker"
            asyncio.run(file_requests(20, sent))
            sent += 20
        for _ in range(6):  # several scrapes, answered by either worker: each counts every request
            scrape = samples(httpx.get(f"{base}/metrics", timeout=10).text)
            assert total(scrape, "yibang_cases_filed_total", channel="open311") == sent
            assert total(scrape, "yibang_webhook_request_seconds_count", endpoint="open311", status="2xx") == sent
            assert value(scrape, "yibang_open_cases", urgency="一般") == sent
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
