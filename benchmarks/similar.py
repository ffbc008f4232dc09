"""Similar cases: the time to index a new case (find its similar cases, join a group) among 1,000, 10,000
and 100,000 open cases, and precision and recall of `case similar` on the labelled sets. Prints JSON.

    .venv/bin/python -m benchmarks.similar [--sizes 1000 10000 100000] [--new 50]

The open cases are the messages of corpus/zhengzhou and corpus/similar/dev.csv, each set in one of
~3,000 made-up compounds of a random district (so keys such as 暖气 or 小区 are shared by thousands of
cases, as they would be in a real city). The index is filled directly (the features of each message are
computed once); the timed step is what filing does: `handlers.cases.similar.index_case` in a transaction.
PostgreSQL when YIBANG_BENCH_DATABASE_URL is set, else SQLite in a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.evaluation_similar import evaluate, read_labelled  # noqa: E402
from config import Settings, load_taxonomy  # noqa: E402
from handlers.cases.similar import index_case  # noqa: E402
from handlers.services import Services  # noqa: E402
from storage import Database, FieldCipher  # noqa: E402
from storage.models import Case, SimilarDocument, SimilarKey  # noqa: E402
from storage.prepared import with_defaults  # noqa: E402

NAME_CHARS = "金银玉锦华盛泰和瑞祥康乐安宁福馨雅嘉丰润翠枫柳桂兰松竹梅荷湖山河海星月阳光明春秋"
SUFFIXES = ["花园", "小区", "家园", "家属院", "新村", "苑", "公寓", "新城"]
SECRET = "benchmark-secret-key-that-is-long-enough-0123"


def messages() -> list[str]:
    texts = []
    for path in sorted((ROOT / "corpus" / "zhengzhou" / "train").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as lines:
            texts += [row["text"] for row in csv.DictReader(lines)]
    texts += [row.text for row in read_labelled(ROOT / "corpus" / "similar" / "dev.csv")]
    return texts


def places(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(SUFFIXES) for _ in range(count)]


def seed(services: Services, size: int, rng: random.Random, texts: list[str], compounds: list[str]) -> None:
    """`size` open cases, each a message set in a compound of a district, straight into the index."""
    model = services.similarity
    districts = services.taxonomy.district_names
    start = datetime(2022, 1, 1, tzinfo=UTC)
    cache: dict[str, dict[str, float]] = {}
    batch = 5000
    for offset in range(0, size, batch):
        cases, documents, keys = [], [], []
        for i in range(offset, min(size, offset + batch)):
            problem = f"{rng.choice(compounds)}{rng.choice(texts)}"
            if problem not in cache:
                cache[problem] = model.features(problem).terms()
            terms = cache[problem]
            created = start + timedelta(seconds=i * 20)
            district = rng.choice(districts)
            cases.append(with_defaults(Case.__table__, {
                "id": i + 1, "number": f"ZZ{created:%Y%m%d}-{i + 1:06d}", "channel": "console", "user_key": f"u{i}",
                "chat_key": f"u{i}", "district": district, "category": "其他", "urgency": "一般", "urgent": False,
                "problem": problem, "status": "received", "created_at": created, "updated_at": created,
                "contact_due": created, "resolve_due": created, "feedback_due": created,
            }))
            documents.append({"case_id": i + 1, "district": district, "group_id": i + 1, "terms": terms,
                              "places": [], "created_at": created})
            keys += [{"case_id": i + 1, "term": term[:64], "district": district}
                     for term in terms if model.is_key(term)]
        with services.db.transaction() as session:
            session.execute(insert(Case.__table__), cases)
            session.execute(insert(SimilarDocument.__table__), documents)
            session.execute(insert(SimilarKey.__table__), keys)


def time_new_cases(services: Services, size: int, count: int, rng: random.Random, texts: list[str],
                   compounds: list[str]) -> dict[str, float]:
    districts = services.taxonomy.district_names
    seconds = []
    now = datetime(2022, 2, 1, tzinfo=UTC)
    for n in range(count):
        problem = f"{rng.choice(compounds)}{rng.choice(texts)}"
        district = rng.choice(districts)
        with services.db.transaction() as session:
            case_id = session.execute(insert(Case.__table__).returning(Case.id), [with_defaults(Case.__table__, {
                "number": f"NEW{size}-{n}", "channel": "console", "user_key": "new", "chat_key": "new",
                "district": district, "category": "其他", "urgency": "一般", "urgent": False,
                "problem": problem, "status": "received", "created_at": now, "updated_at": now,
                "contact_due": now, "resolve_due": now, "feedback_due": now})]).scalar_one()
            started = time.perf_counter()
            index_case(session, services, case_id, district=district, problem=problem, created_at=now)
            seconds.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(seconds) * 1000, 2),
            "p95_ms": round(sorted(seconds)[int(len(seconds) * 0.95) - 1] * 1000, 2),
            "max_ms": round(max(seconds) * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--new", type=int, default=50, help="new cases timed at each size")
    args = parser.parse_args()
    taxonomy = load_taxonomy(Settings(_env_file=None).taxonomy)
    rng = random.Random(18)
    texts = messages()
    compounds = places(rng, 3000)
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("YIBANG_BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'similar.sqlite3'}"
        settings = Settings(_env_file=None, data_dir=Path(tmp), database_url=url, secret_key=SECRET)
        from classifier import get_classifier

        db = Database(url)
        db.migrate()
        services = Services(settings=settings, taxonomy=taxonomy, classifier_instance=get_classifier(taxonomy),
                            db=db, cipher=FieldCipher([SECRET]))
        result["database"] = db.engine.dialect.name
        timings = {}
        for size in sorted(args.sizes):
            with db.transaction() as session:
                for table in ("similar_keys", "similar_documents", "case_events", "outbox", "cases"):
                    session.execute(text(f"DELETE FROM {table}"))
            seed(services, size, rng, texts, compounds)
            timings[str(size)] = time_new_cases(services, size, args.new, rng, texts, compounds)
        result["time_per_new_case"] = timings
        model = services.similarity
        result["dev"] = evaluate(model, read_labelled(ROOT / "corpus" / "similar" / "dev.csv"))
        result["locked_test"] = evaluate(model, read_labelled(ROOT / "corpus" / "similar" / "locked-test.csv"))
        db.dispose()
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
