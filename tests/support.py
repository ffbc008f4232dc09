"""Building the world of a test in a line or two: a database, the services, a citizen who talks."""

from __future__ import annotations

import itertools
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

from handlers.messages import Incoming, IncomingKind, Outcome
from handlers.process import handle
from handlers.services import Services
from handlers.wording import numbered

SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("YIBANG_TEST_DATABASE_URL")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TABLES = (
    "case_events", "outbox", "inbox", "conversations", "case_counters", "staff_members", "shared_values",
    "case_followers", "attachments", "cases",
)


def at(clock_text: str) -> datetime:
    """'2022-01-10 10:00' in Zhengzhou time."""
    return datetime.fromisoformat(clock_text).replace(tzinfo=SHANGHAI)


def new_pg_schema() -> str:
    """A schema of our own on the shared test database, so runs never see each other's rows."""
    assert PG_URL
    schema = f"yibang_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


_ids = itertools.count(1)


@dataclass
class Citizen:
    """A citizen on one channel; `says` sends a message and returns what yibang answered, as text."""

    services: Services
    user: str = "u1"
    channel: str = "console"
    last: Outcome | None = None
    transcript: list[str] = field(default_factory=list)
    # seconds a person takes to type the next message (the frozen clock moves on by this much)
    pause: float = 2.0

    def send(self, incoming_text: str = "", *, kind: IncomingKind = IncomingKind.TEXT, payload: dict | None = None,
             message_id: str | None = None) -> Outcome:
        if self.pause and hasattr(self.services.clock, "advance"):
            self.services.clock.advance(seconds=self.pause)
        incoming = Incoming(
            channel=self.channel,
            user_key=self.user,
            chat_key=f"chat-{self.user}",
            message_id=message_id or f"m{next(_ids)}",
            kind=kind,
            at=self.services.clock.now(),
            text=incoming_text,
            payload=payload or {},
        )
        self.last = handle(self.services, incoming)
        return self.last

    def rendered(self, outcome: Outcome) -> str:
        return "\n".join(numbered(self.services.taxonomy, reply) for reply in outcome.replies)

    def says(self, incoming_text: str = "", **kwargs) -> str:
        answer = self.rendered(self.send(incoming_text, **kwargs))
        self.transcript.append(f"> {incoming_text}\n{answer}")
        return answer

    def files(self, problem: str = "我母亲每周二四六做血液透析，小区封控了出不去", *, name: str = "张女士",
              phone: str = "13912345678", district: str = "金水区") -> str:
        """The whole happy path; returns the case number."""
        self.says("我要求助")
        return self.finish(problem=problem, name=name, phone=phone, district=district)

    def finish(self, *, problem: str, name: str, phone: str, district: str) -> str:
        assert self.last is not None, "say something first"
        answer = self.rendered(self.last)
        for _ in range(8):
            if "怎么称呼" in answer:
                answer = self.says(name)
            elif "手机号" in answer:
                answer = self.says(phone)
            elif "哪个区县" in answer:
                answer = self.says(district)
            elif "请描述" in answer:
                answer = self.says(problem)
            elif "继续使用" in answer:
                answer = self.says("1")
            elif "确认提交吗" in answer:
                answer = self.says("确认")
            elif "已受理，编号" in answer:
                return answer.split("编号 ", 1)[1].split("。", 1)[0]
            else:
                raise AssertionError(f"unexpected answer: {answer}")
        raise AssertionError("dialogue did not finish:\n" + "\n".join(self.transcript))
