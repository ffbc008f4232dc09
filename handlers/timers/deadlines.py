"""The 1-3-7-1-0 promise kept: staff are reminded before a case's deadline and escalated to when it passes.

A sweep over due rows, not a timer per case: open cases whose contact, resolve or feedback deadline is
near or past. Each alarm is raised once — its key goes into `case.alerts` in the same transaction as
the outbox rows it writes, and those rows carry dedupe keys — so a sweep run twice, or by two
processes at once, tells staff once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config.taxonomy import Promise
from handlers.cases.states import OPEN
from handlers.cases.timeline import SYSTEM, add_event
from handlers.services import Services
from handlers.staff.notices import tell_staff
from handlers.timers.batches import sweep_in_batches
from handlers.timers.command_centre import tell_command_centre
from handlers.wording import citizen_words, duration
from storage.models import Case

SWEEP = "deadlines"
REMIND = "remind"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Deadline:
    """One promise made to the citizen, and what meets it."""

    name: str
    label: str  # key of its name in texts
    due: Callable[[Case], datetime]
    met: Callable[[Case], bool]


DEADLINES = (
    Deadline("contact", "deadline_contact", lambda case: case.contact_due, lambda case: case.contacted_at is not None),
    Deadline("resolve", "deadline_resolve", lambda case: case.resolve_due, lambda case: case.resolved_at is not None),
    # The result is fed back by 办结 itself: its public event pushes the result to the citizen.
    Deadline("feedback", "deadline_feedback", lambda case: case.feedback_due,
             lambda case: case.resolved_at is not None),
)


@dataclass(frozen=True)
class Alarm:
    deadline: Deadline
    kind: str  # REMIND | OVERDUE

    @property
    def key(self) -> str:
        return f"{self.deadline.name}:{self.kind}"


@dataclass
class DeadlineSweep:
    reminded: int = 0
    escalated: int = 0


def promise_of(services: Services, case: Case) -> Promise:
    """The promise for the case's urgency; a level since removed from the taxonomy falls back by `urgent`."""
    taxonomy = services.taxonomy
    fallback = taxonomy.urgency.urgent if case.urgent else taxonomy.urgency.normal
    return taxonomy.promise.get(case.urgency) or taxonomy.promise[fallback]


def pending_alarms(case: Case, promise: Promise, now: datetime) -> list[Alarm]:
    """The alarms this case needs now and has not raised yet.

    Past a deadline it is the escalation; within `remind_before` of it, the reminder. A reminder whose
    deadline has passed meanwhile (the scheduler was down) is not sent late: the escalation says more.
    """
    raised = set(case.alerts or [])
    alarms = []
    for deadline in DEADLINES:
        if deadline.met(case):
            continue
        due = deadline.due(case)
        if now >= due:
            alarm = Alarm(deadline, OVERDUE)
        elif now >= due - promise.remind_before:
            alarm = Alarm(deadline, REMIND)
        else:
            continue
        if alarm.key not in raised:
            alarms.append(alarm)
    return alarms


def sweep_deadlines(services: Services, now: datetime, *, batch: int = 200) -> DeadlineSweep:
    """Raise every alarm due at `now`, a batch of cases per transaction."""
    result = DeadlineSweep()

    def handle(session: Session, case: Case) -> None:
        for alarm in pending_alarms(case, promise_of(services, case), now):
            _raise(session, services, case, alarm, now)
            if alarm.kind == OVERDUE:
                result.escalated += 1
            else:
                result.reminded += 1

    def due(session: Session, after_id: int, limit: int) -> list[Case]:
        return _cases_near_a_deadline(session, services, now, after_id, limit)

    sweep_in_batches(services, SWEEP, due, handle, batch=batch)
    return result


def _cases_near_a_deadline(
    session: Session, services: Services, now: datetime, after_id: int, limit: int
) -> list[Case]:
    """Open cases with a deadline inside the longest reminder lead, locked; on PostgreSQL a case a staff
    member is acting on right now is skipped (SKIP LOCKED) and seen again next run."""
    horizon = now + max(promise.remind_before for promise in services.taxonomy.promise.values())
    statement = (
        select(Case)
        .where(
            Case.status.in_([status.value for status in OPEN]),
            Case.id > after_id,
            or_(
                (Case.contacted_at.is_(None)) & (Case.contact_due <= horizon),
                Case.resolve_due <= horizon,
                Case.feedback_due <= horizon,
            ),
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(statement))


def _raise(session: Session, services: Services, case: Case, alarm: Alarm, now: datetime) -> None:
    texts = services.taxonomy.texts
    due = alarm.deadline.due(case)
    params = {
        "number": case.number,
        "urgency": case.urgency,
        "category": case.category,
        "district": case.district or texts.masked_none,
        "deadline": getattr(texts, alarm.deadline.label),
        "due": f"{services.local(due):%m-%d %H:%M}",
        "problem": citizen_words(case.problem),
    }
    dedupe_key = f"deadline:{case.id}:{alarm.key}"
    if alarm.kind == REMIND:
        text = texts.staff_deadline_reminder.format(left=duration(services.taxonomy, due - now), **params)
        tell_staff(session, services, text, dedupe_key=dedupe_key, now=now, case_id=case.id, urgent=case.urgent)
    else:
        case.overdue_at = case.overdue_at or now
        add_event(session, case, kind="overdue", actor=SYSTEM, at=now, text=texts.event_overdue.format(**params),
                  data={"deadline": alarm.deadline.name, "due": due.isoformat()})
        tell_staff(session, services, texts.staff_deadline_overdue.format(**params), dedupe_key=dedupe_key, now=now,
                   case_id=case.id, urgent=case.urgent)
        tell_command_centre(session, services, texts.command_centre_overdue.format(**params),
                            dedupe_key=dedupe_key, now=now, case_id=case.id, urgent=case.urgent)
    # A new list: the JSON column notices a reassignment, not a change inside it.
    case.alerts = [*(case.alerts or []), alarm.key]

