"""Departments chased: a case handed over (交办) must be accepted (签收) in time, and once accepted, solved.

- Not accepted by its accept deadline (the taxonomy's `promise.<urgency>.accept`: 30 minutes for urgent
  cases, 2 hours otherwise): 催办 — the handover again, marked as a reminder, at each contact point of the
  department, and a line on the timeline.
- Not accepted at twice that time: an escalation to the staff group and the command centre naming the
  department, on the timeline too.
- Accepted and not resolved: the department is reminded before the resolve deadline passes, as staff are
  (`remind_before`); the staff's own reminders and escalations go on as before (handlers/timers/deadlines.py).

A sweep over due rows like the other timers: each alarm is raised once (its key in `case.alerts`, its rows
deduplicated), a new 交办 starts them afresh, and on PostgreSQL one process sweeps at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from handlers.cases.states import OPEN
from handlers.cases.timeline import SYSTEM, add_event
from handlers.delivery import payloads
from handlers.departments.handover import tell_department
from handlers.services import Services
from handlers.staff.notices import tell_staff
from handlers.timers.batches import sweep_in_batches
from handlers.timers.command_centre import tell_command_centre
from handlers.timers.deadlines import promise_of
from handlers.wording import citizen_words, duration
from storage.models import Case

SWEEP = "department-deadlines"
CHASED = "accept:chased"
ESCALATED = "accept:escalated"
RESOLVE_REMINDED = "dept-resolve:remind"


@dataclass
class DepartmentSweep:
    chased: int = 0
    escalated: int = 0
    reminded: int = 0


def sweep_department_deadlines(services: Services, now: datetime, *, batch: int = 200) -> DepartmentSweep:
    """Raise every department alarm due at `now`, a batch of cases per transaction."""
    result = DepartmentSweep()

    def due(session: Session, after_id: int, limit: int) -> list[Case]:
        return _cases_due(session, services, now, after_id, limit)

    sweep_in_batches(services, SWEEP, due, lambda session, case: _chase(session, services, case, now, result),
                     batch=batch)
    return result


def _cases_due(session: Session, services: Services, now: datetime, after_id: int, limit: int) -> list[Case]:
    horizon = now + max(promise.remind_before for promise in services.taxonomy.promise.values())
    statement = (
        select(Case)
        .where(
            Case.status.in_([status.value for status in OPEN]),
            Case.department.is_not(None),
            Case.id > after_id,
            or_(
                and_(Case.accepted_at.is_(None), Case.accept_due <= now),
                and_(Case.accepted_at.is_not(None), Case.resolved_at.is_(None), Case.resolve_due <= horizon),
            ),
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(statement))


def _chase(session: Session, services: Services, case: Case, now: datetime, result: DepartmentSweep) -> None:
    raised = set(case.alerts or [])
    texts = services.taxonomy.texts
    words = texts.departments
    department = case.department or ""
    if case.accepted_at is None and case.accept_due is not None and case.assigned_at is not None:
        handed = case.assigned_at.isoformat()
        window = case.accept_due - case.assigned_at
        if CHASED not in raised:
            tell_department(session, case, payloads.department_handover(case.id, department, chase=True),
                            dedupe_key=f"chase:{case.id}:{handed}", now=now)
            add_event(session, case, kind="chased", actor=SYSTEM, at=now,
                      text=words.event_chased.format(department=department), data={"department": department})
            raised.add(CHASED)
            result.chased += 1
        if now >= case.assigned_at + 2 * window and ESCALATED not in raised:
            text = words.escalation.format(
                number=case.number, urgency=case.urgency, category=case.category,
                district=case.district or texts.masked_none, department=department,
                elapsed=duration(services.taxonomy, 2 * window), problem=citizen_words(case.problem))
            key = f"accept-escalation:{case.id}:{handed}"
            tell_staff(session, services, text, dedupe_key=key, now=now, case_id=case.id, urgent=case.urgent)
            tell_command_centre(session, services, text, dedupe_key=key, now=now, case_id=case.id,
                                urgent=case.urgent)
            add_event(session, case, kind="escalated", actor=SYSTEM, at=now,
                      text=words.event_escalated.format(department=department), data={"department": department})
            raised.add(ESCALATED)
            result.escalated += 1
    elif case.accepted_at is not None and case.resolved_at is None and RESOLVE_REMINDED not in raised:
        reminded_from = case.resolve_due - promise_of(services, case).remind_before
        if reminded_from <= now < case.resolve_due:
            text = words.resolve_reminder.format(
                number=case.number, urgency=case.urgency, category=case.category,
                left=duration(services.taxonomy, case.resolve_due - now),
                due=f"{services.local(case.resolve_due):%m-%d %H:%M}")
            tell_department(session, case, payloads.staff_text(text),
                            dedupe_key=f"dept-resolve:{case.id}:{case.accepted_at.isoformat()}", now=now)
            raised.add(RESOLVE_REMINDED)
            result.reminded += 1
    if raised != set(case.alerts or []):
        # A new list: the JSON column notices a reassignment, not a change inside it.
        case.alerts = [*(case.alerts or []), *sorted(raised - set(case.alerts or []))]
