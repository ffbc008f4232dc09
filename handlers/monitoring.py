"""The figures a monitoring system reads at each scrape, straight from the database (read-only): open and
overdue cases, the outbox's backlog and its oldest row, dead letters, the scheduler's heartbeat.

Computed when asked rather than kept in memory, so every web worker answers the same and a restart loses
nothing; each is one indexed aggregate query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from handlers.cases.states import OPEN
from handlers.services import Services
from storage.heartbeat import HEARTBEAT
from storage.models import Case, OutboxMessage, SharedValue


@dataclass(frozen=True)
class LiveFigures:
    open_cases: dict[str, int]  # urgency -> open cases
    overdue_cases: dict[str, int]  # urgency -> open cases past their resolve deadline
    contact_overdue_cases: dict[str, int]  # urgency -> open cases past the contact deadline, not contacted
    outbox_pending: dict[str, int]  # channel -> rows waiting to be sent
    outbox_oldest_seconds: dict[str, float]  # channel -> age of the oldest row waiting
    dead_letters: dict[str, int]  # channel -> rows given up on (a person must look)
    heartbeat_age_seconds: float | None  # since the scheduler's last run; None: it never ran


def live_figures(services: Services) -> LiveFigures:
    now = services.clock.now()
    open_statuses = [status.value for status in OPEN]
    with services.db.reading() as session:
        # one pass over the open cases for all three case gauges
        per_urgency = session.execute(
            select(
                Case.urgency,
                func.count(),
                func.sum(case((Case.resolve_due < now, 1), else_=0)),
                func.sum(case((and_(Case.contact_due < now, Case.contacted_at.is_(None)), 1), else_=0)),
            ).where(Case.status.in_(open_statuses)).group_by(Case.urgency)
        ).all()
        pending = session.execute(
            select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status == "pending").group_by(OutboxMessage.channel)
        ).all()
        dead = session.execute(
            select(OutboxMessage.channel, func.count()).where(OutboxMessage.status == "failed")
            .group_by(OutboxMessage.channel)
        ).all()
        beat = session.get(SharedValue, HEARTBEAT)
        return LiveFigures(
            open_cases={urgency: count for urgency, count, _, _ in per_urgency},
            overdue_cases={urgency: int(overdue or 0) for urgency, _, overdue, _ in per_urgency},
            contact_overdue_cases={urgency: int(late or 0) for urgency, _, _, late in per_urgency},
            outbox_pending={channel: count for channel, count, _ in pending},
            outbox_oldest_seconds={channel: _age(now, oldest) for channel, _, oldest in pending},
            dead_letters={channel: count for channel, count in dead},
            heartbeat_age_seconds=_age(now, beat.updated_at) if beat is not None else None,
        )


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
