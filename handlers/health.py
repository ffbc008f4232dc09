"""What /healthz reports: the database, the scheduler's heartbeat, and the outbox's backlog and dead letters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from handlers.delivery import deferred
from handlers.services import Services
from storage.heartbeat import HEARTBEAT
from storage.models import OutboxMessage, SharedValue

# A due row older than this means nothing is delivering.
BACKLOG_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SchedulerBeat:
    last: datetime | None
    stale: bool
    detail: dict[str, Any]


def scheduler_beat(services: Services, now: datetime) -> SchedulerBeat:
    with services.db.reading() as session:
        row = session.get(SharedValue, HEARTBEAT)
        if row is None:
            return SchedulerBeat(None, True, {})
        detail = json.loads(row.value) if row.value else {}
        stale = row.expires_at is None or row.expires_at <= now
        return SchedulerBeat(row.updated_at, stale, detail)


def health(services: Services) -> dict[str, Any]:
    """Raises when the database cannot be reached; otherwise the figures an operator watches."""
    now = services.clock.now()
    with services.db.reading() as session:
        session.execute(text("SELECT 1"))
        backlog = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now - BACKLOG_AFTER
            )
        )
        dead = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")
        )
    beat = scheduler_beat(services, now)
    waiting = deferred.stuck(services, now)
    status = "ok" if not beat.stale and not backlog and not waiting else "degraded"
    return {
        "status": status,
        "database": "ok",
        "scheduler": {
            "last_heartbeat": beat.last.isoformat() if beat.last else None,
            "stale": beat.stale,
            **{k: v for k, v in beat.detail.items() if k in ("job", "host", "pid")},
        },
        "outbox": {"overdue": backlog, "dead_letters": dead},
        # messages answered "success" whose answer has not gone out within a minute
        "deferred_answers": {"stuck": waiting},
    }
