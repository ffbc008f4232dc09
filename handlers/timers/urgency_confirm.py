"""待确认紧急: a possibly urgent case nobody confirmed or cleared within `urgency.confirm_within` (15 min).

The card went to staff at once with 确认紧急 / 不紧急; if neither is pressed in time, staff are told again,
once, as urgent. Pressing either changes the case's urgency (CaseDesk.set_urgency), which takes it out of
this sweep; its contact deadline (1 hour, as for urgent) is the deadline sweep's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases.states import OPEN
from handlers.services import Services
from handlers.staff.notices import tell_staff
from handlers.timers.batches import sweep_in_batches
from handlers.wording import citizen_words
from storage.models import Case

SWEEP = "urgency-confirm-sweep"
ALERT = "urgency:unconfirmed"


@dataclass
class ConfirmSweep:
    told: int = 0


def sweep_unconfirmed(services: Services, now: datetime, *, batch: int = 200) -> ConfirmSweep:
    """Tell staff of every possibly urgent case left undecided past its window, once per case."""
    result = ConfirmSweep()
    urgency = services.taxonomy.urgency
    texts = services.taxonomy.texts

    def due(session: Session, after_id: int, limit: int) -> list[Case]:
        statement = (
            select(Case)
            .where(
                Case.urgency == urgency.possible,
                Case.status.in_([status.value for status in OPEN]),
                Case.created_at <= now - urgency.confirm_within,
                Case.id > after_id,
            )
            .order_by(Case.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(session.scalars(statement))

    def handle(session: Session, case: Case) -> None:
        if ALERT in (case.alerts or []):
            return
        text = texts.staff_possible_unconfirmed.format(
            number=case.number, category=case.category, district=case.district or texts.masked_none,
            minutes=int(urgency.confirm_within.total_seconds() // 60), problem=citizen_words(case.problem))
        tell_staff(session, services, text, dedupe_key=f"{ALERT}:{case.id}", now=now, case_id=case.id, urgent=True)
        # a new list: the JSON column notices a reassignment, not a change inside it
        case.alerts = [*(case.alerts or []), ALERT]
        result.told += 1

    sweep_in_batches(services, SWEEP, due, handle, batch=batch)
    return result
