"""Dialogue turns per second through handlers + storage on SQLite, beside a bare ORM commit loop.

2,000 simulated citizens each go through the whole intake, answering what is asked (我要求助, the problem,
for whom when it names someone, name and phone, the address when it needs a place, district, confirm). The bare loop is plain SQLAlchemy — an engine, a Session, one ORM row added and
committed per iteration — on an SQLite file with the same durability (WAL, synchronous=NORMAL) but none
of yibang's storage code, so the ratio says what the dialogue costs beyond a commit.
Also: classifier messages per second. Prints one JSON object.

    .venv/bin/python benchmarks/dialogue.py [--citizens 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Integer, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.intake_effort import MAX_ANSWERS, Script, answer_for  # noqa: E402
from classifier import get_classifier  # noqa: E402
from config import Settings, load_taxonomy  # noqa: E402
from handlers.messages import Incoming, IncomingKind  # noqa: E402
from handlers.process import handle  # noqa: E402
from handlers.services import Services  # noqa: E402
from storage import Database, FieldCipher  # noqa: E402

PROBLEMS = [
    "我母亲每周二四六做血液透析，小区封控了出不去，明天就要透析",
    "小区封控三天了，家里没有菜了，附近超市也关门了",
    "健康码突然变成黄码，核酸都是阴性，怎么转绿",
    "孩子在外地上学，放寒假了想回郑州，需要什么手续",
    "公司想复工复产，员工都在封控区出不来，怎么办",
    "家里老人高血压的药快吃完了，药店都关门了",
    "请问现在离开郑州需要48小时核酸吗，高铁还正常吗",
    "建议在小区门口多设几个核酸采样点，排队太长了",
]
DISTRICTS = ["金水区", "二七区", "中原区", "管城回族区", "惠济区", "郑东新区", "高新区", "经开区"]


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "bare_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


def bare_commit_loop(directory: Path, n: int) -> float:
    engine = create_engine(f"sqlite:///{directory / 'bare.sqlite3'}")

    @event.listens_for(engine, "connect")
    def _durability(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    _Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    started = time.perf_counter()
    for i in range(n):
        with sessions() as session:
            session.add(_Row(text=f"row {i}"))
            session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return n / elapsed


def dialogue_turns(directory: Path, citizens: int) -> dict[str, float]:
    settings = Settings(_env_file=None, data_dir=directory, secret_key="benchmark-secret-" + "x" * 32)
    taxonomy = load_taxonomy(settings.taxonomy)
    database = Database(f"sqlite:///{directory / 'yibang.sqlite3'}")
    database.migrate()
    services = Services(settings, taxonomy, get_classifier(taxonomy), database,
                        FieldCipher([settings.secret_key.get_secret_value()]))
    rng = random.Random(20220109)
    turns = 0
    latencies: list[float] = []
    started = time.perf_counter()
    for citizen in range(citizens):
        # the citizen answers whatever is asked (benchmarks/intake_effort.py), from 我要求助 to the number
        script = Script(rng.choice(PROBLEMS), name=f"市民{citizen}", phone=f"139{citizen:08d}",
                        district=rng.choice(DISTRICTS), for_other=True)
        text: str | None = "我要求助"
        for step in range(MAX_ANSWERS):
            if text is None:
                break
            incoming = Incoming("console", f"c{citizen}", f"c{citizen}", f"{citizen}-{step}", IncomingKind.TEXT,
                                datetime.now(UTC), text)
            t0 = time.perf_counter()
            outcome = handle(services, incoming)
            latencies.append(time.perf_counter() - t0)
            turns += 1
            asked = "\n".join(reply.text for reply in outcome.replies)
            text = script.first if step == 0 else answer_for(script, asked)
    elapsed = time.perf_counter() - started
    latencies.sort()
    database.dispose()
    return {
        "turns": turns,
        "turns_per_second": turns / elapsed,
        "turn_p50_ms": latencies[len(latencies) // 2] * 1000,
        "turn_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def classifier_rate(n: int = 5000) -> float:
    taxonomy = load_taxonomy(Settings(_env_file=None).taxonomy)
    classifier = get_classifier(taxonomy)
    texts = [PROBLEMS[i % len(PROBLEMS)] + f"（{i}）" for i in range(n)]
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        dialogue = dialogue_turns(directory, args.citizens)
        bare = bare_commit_loop(directory, dialogue["turns"])
    result = {
        "citizens": args.citizens,
        **{k: round(v, 2) for k, v in dialogue.items()},
        "bare_orm_commits_per_second": round(bare, 1),
        "ratio_to_bare": round(dialogue["turns_per_second"] / bare, 3),
        "classifier_messages_per_second": round(classifier_rate(), 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
