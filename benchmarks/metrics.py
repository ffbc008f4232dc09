"""What /metrics costs: one scrape (every database gauge, every counter) with 1,000 to 100,000 cases and a
backlog in the outbox, and what counting adds to each request (the timing middleware around a trivial ASGI
app, beside the same app bare, measured in the same run). Prints JSON.

    .venv/bin/python benchmarks/metrics.py [--cases 1000 10000 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client import generate_latest

from bot.metrics import PrometheusObserver, RequestTimer, scrape_registry  # noqa: E402
from config import Settings, load_taxonomy  # noqa: E402
from handlers.clock import FrozenClock  # noqa: E402
from handlers.services import Services  # noqa: E402
from storage import Database, FieldCipher  # noqa: E402
from storage.models import Case, OutboxMessage  # noqa: E402

STATUSES = ["received", "assigned", "in_progress", "resolved", "closed", "closed", "closed"]
NOW = datetime(2022, 1, 12, 9, 0, tzinfo=UTC)


def seed(services: Services, first: int, n: int) -> None:
    rng = random.Random(first)
    taxonomy = services.taxonomy
    cases, outbox = [], []
    for i in range(first, first + n):
        created = NOW - timedelta(seconds=rng.randint(0, 3 * 86400))
        cases.append({
            "number": f"ZZ{created:%Y%m%d}-{i + 1:06d}", "channel": rng.choice(["telegram", "wechat"]),
            "user_key": f"u{i}", "chat_key": f"u{i}", "district": rng.choice(taxonomy.district_names),
            "category": rng.choice(taxonomy.category_names), "category_confidence": 0.8, "needs_review": False,
            "urgency": rng.choice(["一般", "一般", "紧急"]), "urgent": False, "evidence": {},
            "problem": "小区封控，家里老人的药快吃完了", "attachments": [], "status": rng.choice(STATUSES),
            "created_at": created, "updated_at": created, "contact_due": created + timedelta(hours=1),
            "resolve_due": created + timedelta(hours=7), "feedback_due": created + timedelta(days=1),
            "alerts": [], "needs_phone_call": False, "staff_messages": {},
        })
        outbox.append({
            "channel": rng.choice(["telegram", "wechat", "wecom"]), "target": f"u{i}", "payload": {},
            "dedupe_key": f"bench:{i}", "status": rng.choice(["sent"] * 18 + ["pending", "failed"]),
            "priority": 0, "attempts": 1, "next_attempt_at": created, "created_at": created,
        })
    with services.db.transaction() as session:
        session.execute(insert(Case.__table__), cases)
        session.execute(insert(OutboxMessage.__table__), outbox)


def scrape_ms(services: Services, rounds: int = 20) -> dict[str, float]:
    registry = scrape_registry(services)
    generate_latest(registry)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        generate_latest(registry)
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}


async def request_overhead_us(requests: int = 20_000) -> dict[str, float]:
    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    timed = RequestTimer(bare)
    scope = {"type": "http", "path": "/wechat", "method": "POST"}
    observer = PrometheusObserver()

    async def run(app) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await app(scope, receive, send)
        return (time.perf_counter() - started) / requests * 1e6

    best_bare = min([await run(bare) for _ in range(3)])
    best_timed = min([await run(timed) for _ in range(3)])
    started = time.perf_counter()
    for _ in range(requests):
        observer.message_handled("wechat", "answered")
    counted = (time.perf_counter() - started) / requests * 1e6
    return {"bare_app_us": round(best_bare, 2), "with_timer_us": round(best_timed, 2),
            "timer_adds_us": round(best_timed - best_bare, 2), "message_counter_us": round(counted, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its tables are emptied)")
    args = parser.parse_args()
    result: dict[str, object] = {"request": asyncio.run(request_overhead_us())}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        database = Database(url)
        database.migrate()
        if args.database_url:
            with database.engine.begin() as connection:
                connection.execute(text("TRUNCATE cases, outbox RESTART IDENTITY CASCADE"))
        secret = "benchmark-secret-key-that-is-long-enough-0123"
        services = Services(Settings(_env_file=None, data_dir=Path(tmp), secret_key=secret),
                            load_taxonomy(Settings(_env_file=None).taxonomy), None, database,
                            FieldCipher([secret]), FrozenClock(NOW))
        scrapes = {}
        seeded = 0
        for target in sorted(args.cases):
            seed(services, seeded, target - seeded)
            seeded = target
            scrapes[str(target)] = scrape_ms(services)
        result["scrape"] = {"database": database.dialect, "by_cases": scrapes}
        database.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
