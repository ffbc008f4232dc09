"""Ledger export speed: 10,000 cases to an Excel workbook (target: under 10 s). Prints JSON.

    .venv/bin/python benchmarks/export.py [--cases 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.export import write_ledger  # noqa: E402
from config import Settings, load_taxonomy  # noqa: E402
from handlers.reports.ledger import LedgerFilter, ledger_rows, select_cases  # noqa: E402
from handlers.services import Services  # noqa: E402
from storage import Database, FieldCipher  # noqa: E402
from storage.models import Case  # noqa: E402

STATUSES = ["received", "assigned", "in_progress", "resolved", "closed"]


def seed(services: Services, n: int) -> None:
    rng = random.Random(7)
    taxonomy = services.taxonomy
    start = datetime(2022, 1, 10, 1, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        created = start + timedelta(seconds=i * 30)
        phone = f"139{i:08d}"
        rows.append({
            "number": f"ZZ{created:%Y%m%d}-{i + 1:05d}", "channel": rng.choice(["telegram", "wechat"]),
            "user_key": f"u{i}", "chat_key": f"u{i}", "name_enc": services.cipher.encrypt(f"市民{i}"),
            "phone_enc": services.cipher.encrypt(phone), "phone_index": services.cipher.index(phone),
            "district": rng.choice(taxonomy.district_names), "category": rng.choice(taxonomy.category_names),
            "category_confidence": 0.8, "needs_review": False, "urgency": "一般", "urgent": False, "evidence": {},
            "problem": "小区封控，家里老人的药快吃完了，附近药店都关门了，请帮忙协调" * rng.randint(1, 3),
            "attachments": [], "status": rng.choice(STATUSES), "created_at": created, "updated_at": created,
            "contact_due": created + timedelta(hours=1), "resolve_due": created + timedelta(hours=7),
            "feedback_due": created + timedelta(days=1), "alerts": [], "needs_phone_call": False,
            "staff_messages": {},
        })
    with services.db.transaction() as session:
        session.execute(insert(Case.__table__), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(_env_file=None, data_dir=directory, secret_key="benchmark-secret-" + "x" * 32)
        database = Database(f"sqlite:///{directory / 'yibang.sqlite3'}")
        database.migrate()
        services = Services(settings, load_taxonomy(settings.taxonomy), None, database,
                            FieldCipher([settings.secret_key.get_secret_value()]))
        seed(services, args.cases)
        started = time.perf_counter()
        with services.db.reading() as session:
            cases = select_cases(session, services, LedgerFilter())
            written = write_ledger(directory / "ledger.xlsx", ledger_rows(services, cases, reveal=False),
                                   services.taxonomy)
        elapsed = time.perf_counter() - started
        size = (directory / "ledger.xlsx").stat().st_size
    print(json.dumps({"cases": written, "export_seconds": round(elapsed, 2),
                      "cases_per_second": round(written / elapsed), "xlsx_bytes": size}, indent=2))


if __name__ == "__main__":
    main()
