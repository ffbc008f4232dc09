"""Prometheus metrics: what yibang does (messages, webhook latency, cases filed, deliveries, classifier
time) counted as it happens, and what the database holds (open and overdue cases, the outbox's backlog,
dead letters, the scheduler's heartbeat) read at each scrape.

Several web workers (`yibang serve --workers N`) count into prometheus_client's multiprocess mode: each
worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR, and whichever worker answers a scrape
adds up every worker's files, so one port gives the whole picture (`serve --workers` makes the directory
when none is set, and empties it at start). The database figures come from handlers' read-only queries
at scrape time, the same from whichever worker answers. `yibang scheduler` is a process of its own (often
on another host): it serves its own /metrics on YIBANG_METRICS_PORT.

/metrics is for the monitoring system on the inside, never for the internet: it is served only when
YIBANG_METRICS says so (by default only while the web app listens on loopback), and it answers 404 to a
request that came through a reverse proxy (one carrying forwarding headers).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.peers import through_proxy
from handlers.monitoring import live_figures
from handlers.services import Services

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"
# A request that came through a reverse proxy carries one of these; Prometheus scraping directly does not.
# The first path segment of the endpoints whose latency is measured (webhooks, APIs, the staff console).
TIMED_ENDPOINTS = frozenset({"wechat", "telegram", "open311", "staff"})
_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}

# In multiprocess mode every metric made below opens its file in the directory at once: it must exist.
if os.environ.get(MULTIPROCESS_DIR):
    Path(os.environ[MULTIPROCESS_DIR]).mkdir(parents=True, exist_ok=True)

# This process's counters. In multiprocess mode their values live in files, and a scrape reads the files
# instead (`scrape_registry`).
PROCESS = CollectorRegistry(auto_describe=True)

MESSAGES = Counter("yibang_messages", "Messages handled, by channel and how handling ended "
                   "(answered, duplicate, rate_limited, failed)", ["channel", "outcome"], registry=PROCESS)
WEBHOOK_SECONDS = Histogram(
    "yibang_webhook_request_seconds", "Time to answer a request to a webhook or API endpoint, by endpoint and "
    "status class", ["endpoint", "status"], registry=PROCESS,
    # WeChat gives up after 5 s; most answers take milliseconds
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0),
)
CASES_FILED = Counter("yibang_cases_filed", "Cases filed, by channel, category and urgency",
                      ["channel", "category", "urgency"], registry=PROCESS)
DELIVERIES = Counter("yibang_deliveries", "Outbox rows tried, by channel and result (sent, retry, failed)",
                     ["channel", "result"], registry=PROCESS)
CLASSIFIER_SECONDS = Histogram(
    "yibang_classifier_seconds", "Time to classify one text (category, urgency, district)", registry=PROCESS,
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1),
)


def _child(metric: Counter | Histogram, *labels: str) -> Any:
    """The metric's child for these label values, found once: `labels()` takes a lock and builds a key on
    every call, which costs more than the counting itself on a hot path."""
    key = (id(metric), labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN.setdefault(key, metric.labels(*labels))
    return child


_CHILDREN: dict[tuple[int, tuple[str, ...]], Any] = {}


class PrometheusObserver:
    """What the handlers report (handlers/observer.py), counted."""

    def message_handled(self, channel: str, outcome: str) -> None:
        _child(MESSAGES, channel, outcome).inc()

    def case_filed(self, channel: str, category: str, urgency: str) -> None:
        _child(CASES_FILED, channel, category, urgency).inc()

    def classified(self, seconds: float) -> None:
        CLASSIFIER_SECONDS.observe(seconds)


def record_delivery(channel: str, result: str) -> None:
    _child(DELIVERIES, channel, result).inc()


def watch(services: Services) -> None:
    """Count what this process's handlers do from now on."""
    services.observer = PrometheusObserver()


# ---------------------------------------------------------------- what the database holds, at scrape time


class DatabaseFigures(Collector):
    def __init__(self, services: Services):
        self.services = services

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("yibang_database_up", "1 when the database answered this scrape, else 0")
        try:
            figures = live_figures(self.services)
        except Exception as exc:  # a scrape reports a database that is gone; it does not fail
            log.warning("metrics: the database did not answer: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        urgencies = self.services.taxonomy.promise.keys()
        yield _gauge("yibang_open_cases", "Cases being worked on (received, assigned, in progress), by urgency",
                     "urgency", figures.open_cases, urgencies)
        yield _gauge("yibang_overdue_cases", "Open cases past their resolve deadline, by urgency",
                     "urgency", figures.overdue_cases, urgencies)
        yield _gauge("yibang_contact_overdue_cases",
                     "Open cases past their contact deadline and not yet contacted, by urgency",
                     "urgency", figures.contact_overdue_cases, urgencies)
        yield _gauge("yibang_outbox_pending", "Outbox rows waiting to be sent, by channel",
                     "channel", figures.outbox_pending)
        yield _gauge("yibang_outbox_oldest_age_seconds", "Age of the oldest outbox row waiting, by channel",
                     "channel", figures.outbox_oldest_seconds)
        yield _gauge("yibang_dead_letters", "Outbox rows given up on: a person must look, by channel",
                     "channel", figures.dead_letters)
        beat = GaugeMetricFamily("yibang_scheduler_heartbeat_age_seconds",
                                 "Seconds since the scheduler last ran (absent when it never has)")
        if figures.heartbeat_age_seconds is not None:
            beat.add_metric([], figures.heartbeat_age_seconds)
        yield beat


def _gauge(name: str, documentation: str, label: str, values: dict[str, Any],
           always: Iterable[str] = ()) -> GaugeMetricFamily:
    """A gauge per label value; the values in `always` appear even at zero, so a graph never has a gap."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key in sorted({*always, *values}):
        family.add_metric([key], values.get(key, 0))
    return family


def scrape_registry(services: Services) -> CollectorRegistry:
    """What a scrape of this process shows: the counters (every worker's, in multiprocess mode) and the
    database figures."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROCESS_DIR):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(PROCESS))
    registry.register(DatabaseFigures(services))
    return registry


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()


# ---------------------------------------------------------------- serving


def metrics_route(services: Services) -> Route:
    registry = scrape_registry(services)

    async def metrics(request: Request) -> Response:
        if through_proxy(request):
            log.warning("refused /metrics to a request that came through a proxy")
            return Response(status_code=404)
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return Route(PATH, metrics, methods=["GET"])


class RequestTimer:
    """ASGI middleware: how long each request to a timed endpoint took, by endpoint and status class."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = scope["path"].lstrip("/").split("/", 1)[0] if scope["type"] == "http" else ""
        if endpoint not in TIMED_ENDPOINTS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        observed = False

        def observe() -> None:
            nonlocal observed
            observed = True
            _child(WEBHOOK_SECONDS, endpoint, _STATUS_CLASSES.get(status // 100, "other")).observe(
                time.perf_counter() - started)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                observe()  # before the last byte leaves: whoever got the answer can already see it counted
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not observed:
                observe()


def serve_on_port(services: Services, host: str, port: int) -> Any:
    """/metrics of a process without a web app (`yibang scheduler`) on its own port; returns the server
    (its `server_port` is the port, `shutdown()` stops it), or None when the port cannot be had."""
    try:
        server, _thread = start_http_server(port, addr=host, registry=scrape_registry(services))
    except OSError as exc:
        log.warning("metrics: cannot listen on %s:%s (%s); carrying on without /metrics", host, port, exc)
        return None
    log.info("metrics on http://%s:%d%s", host, server.server_port, PATH)
    return server


def fresh_multiprocess_dir(path: Path) -> None:
    """Empty a multiprocess directory before the workers start: files of an earlier run would add up."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
