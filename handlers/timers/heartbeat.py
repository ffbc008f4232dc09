"""The scheduler's heartbeat: every sweep run touches a shared row, so any process can tell whether a
scheduler is still sweeping (a web worker without one has no other way to know), and a stall is told to
staff once."""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from handlers.services import Services
from handlers.staff.notices import tell_staff
from storage.heartbeat import record_heartbeat

log = logging.getLogger(__name__)


def beat(services: Services, job: str, now: datetime, stale_after: timedelta) -> None:
    """`job` ran at `now`; the heartbeat counts as stale once `stale_after` passes without another."""
    detail = {"job": job, "at": now.isoformat(), "host": socket.gethostname(), "pid": os.getpid()}
    with services.db.transaction() as session:
        record_heartbeat(session, now, stale_after, detail)


def tell_staff_of_stall(services: Services, last: datetime | None) -> bool:
    """Staff hear once per stall (the stall is known by its last beat); True when they are told now."""
    now = services.clock.now()
    texts = services.taxonomy.texts
    minutes = int((now - last).total_seconds() // 60) if last else 0
    text = texts.staff_scheduler_stalled.format(
        minutes=minutes, last=f"{services.local(last):%m-%d %H:%M}" if last else texts.scheduler_never_ran
    )
    stall = last.isoformat() if last else "never"
    with services.db.transaction() as session:
        told = tell_staff(session, services, text, dedupe_key=f"scheduler-stalled:{stall}", now=now) > 0
    if told:
        log.warning("the scheduler's heartbeat is stale (last %s): staff told", stall)
    return told
