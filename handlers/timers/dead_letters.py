"""Dead letters: messages the dispatcher gave up on are told to staff, each once, so a person acts
(a citizen who blocked the bot must be phoned; a staff group that moved must be set again)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.services import Services
from handlers.staff.notices import tell_staff
from storage.models import Case, OutboxMessage
from storage.sweep_lock import try_sweep_lock

SWEEP = "dead-letter-sweep"
# Older give-ups were reported when they happened; looking further back would only rescan them.
LOOK_BACK = timedelta(days=7)
REPORT_KEY = "dead-letter"


def sweep_dead_letters(services: Services, now: datetime) -> int:
    """Report each failed outbox row once; returns how many were reported now."""
    reported = 0
    with services.db.transaction() as session:
        if not try_sweep_lock(session, SWEEP):
            return 0
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == "failed",
                OutboxMessage.created_at >= now - LOOK_BACK,
                # a report that itself could not be delivered is not reported again, or it would loop
                OutboxMessage.dedupe_key.not_like(f"{REPORT_KEY}:%"),
            )
        ).all()
        for row in rows:
            number = session.scalar(select(Case.number).where(Case.id == row.case_id)) if row.case_id else None
            text = services.taxonomy.texts.staff_dead_letter.format(
                channel=row.channel,
                kind=row.payload.get("kind", ""),
                number=number or "—",
                attempts=row.attempts,
                error=(row.last_error or "")[:200],
            )
            if tell_staff(session, services, text, dedupe_key=f"{REPORT_KEY}:{row.id}", now=now,
                          case_id=row.case_id):
                reported += 1
    return reported
