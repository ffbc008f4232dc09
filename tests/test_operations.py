"""Operations: /healthz figures, dead letters told to staff once, a stalled scheduler noticed by web workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.dispatcher import Dispatcher
from bot.watchdog import SchedulerWatchdog
from handlers.health import health
from handlers.timers.dead_letters import sweep_dead_letters
from storage import outbox
from storage.heartbeat import record_heartbeat
from storage.models import OutboxMessage


def staff_texts(services) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "log")).all()
        return [row.payload.get("text", "") for row in rows if row.payload.get("kind") == "staff_text"]


def test_health_reports_database_scheduler_and_outbox(services, clock):
    report = health(services)
    assert report["database"] == "ok" and report["scheduler"]["stale"] is True and report["status"] == "degraded"
    with services.db.transaction() as session:
        record_heartbeat(session, clock.now(), timedelta(minutes=3), {"job": "deadline-sweep", "host": "h", "pid": 1})
    report = health(services)
    assert report["status"] == "ok" and report["scheduler"]["job"] == "deadline-sweep"
    clock.advance(minutes=4)
    assert health(services)["scheduler"]["stale"] is True


def test_dead_letters_are_told_to_staff_once(citizen, services, clock):
    number = citizen.files()
    with services.db.transaction() as session:
        outbox.enqueue(session, channel="telegram", target="42", payload={"kind": "citizen_update", "text": "x"},
                       dedupe_key="push-1", now=clock.now())
        session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "push-1")
                        .values(status="failed", attempts=8, last_error="Forbidden: bot was blocked by the user"))
    assert sweep_dead_letters(services, clock.now()) == 1
    assert sweep_dead_letters(services, clock.now()) == 0
    told = [text for text in staff_texts(services) if "投递失败" in text]
    assert len(told) == 1 and "blocked" in told[0] and "telegram" in told[0]
    assert health(services)["outbox"]["dead_letters"] == 1
    assert number


def test_watchdog_tells_staff_once_per_stall_and_keeps_the_outbox_moving(services, clock):
    sent = []

    class Recorder:
        channel = "log"

        async def send(self, item):
            from bot.dispatcher import Sent

            sent.append(item.payload.get("text"))
            return Sent()

    watchdog = SchedulerWatchdog(services, Dispatcher(services, [Recorder()]))
    with services.db.transaction() as session:
        record_heartbeat(session, clock.now(), timedelta(minutes=3), {"job": "x"})
    assert asyncio.run(watchdog.check_once()) is False
    clock.advance(minutes=10)
    assert asyncio.run(watchdog.check_once()) is True
    assert asyncio.run(watchdog.check_once()) is True
    stalls = [text for text in sent if "定时任务已停止" in text]
    assert len(stalls) == 1 and "10 分钟" in stalls[0]
