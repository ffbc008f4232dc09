"""The department's steps on a case it was handed: 签收 (accept) and 退回 (hand back), at the same desk
as every staff step (handlers/cases/actions.py), so each is checked, on the timeline with who and when,
and told to whoever must know.

- 签收: 已交办 → 办理中 (a case staff already moved to 办理中 stays there); the citizen is told that the
  department has taken the case; from then on the resolve deadline's reminders go to the department too.
- 退回, with a reason: back to 已受理 (待分派) for staff to assign again, the reason on the timeline and
  the staff told. A case cannot bounce forever: after two returns a supervisor decides — only a supervisor
  may assign it again, and it cannot be handed back a third time.
"""

from __future__ import annotations

from handlers.cases.actions import SUPERVISOR, ActionRefused, CaseDesk
from handlers.cases.states import Status
from handlers.cases.timeline import add_event, change_status
from handlers.departments.handover import ALERT_PREFIXES, hand_over
from handlers.staff.notices import tell_staff
from storage.models import Case

ACCEPTED = "accepted"
RETURNED = "returned"
# the steps as the console names them (its forms post to /staff/cases/NUMBER/accept and …/return)
ACCEPT_STEP = "accept"
RETURN_STEP = "return"
# After this many returns a supervisor decides where the case goes.
RETURNS_BEFORE_SUPERVISOR = 2
HOLDING = (Status.ASSIGNED, Status.IN_PROGRESS)


def may_assign(desk: CaseDesk, case: Case) -> None:
    """A case handed back twice is a supervisor's to assign."""
    if case.returns >= RETURNS_BEFORE_SUPERVISOR and desk.actor.role != SUPERVISOR:
        raise ActionRefused(desk.texts.departments.refused_supervisor_decides.format(
            number=case.number, returns=case.returns))


def handed_over(desk: CaseDesk, case: Case) -> None:
    """交办 done: the department is told at its contact points and its accept deadline starts."""
    hand_over(desk.session, desk.services, case, desk.now)


def accept(desk: CaseDesk, case: Case) -> str:
    """签收 by the department holding the case (or a supervisor for it)."""
    words = desk.texts.departments
    department = _holder(desk, case)
    if case.accepted_at is not None:
        raise ActionRefused(words.refused_accepted.format(
            number=case.number, department=department, at=f"{desk.services.local(case.accepted_at):%m-%d %H:%M}"))
    on_time = case.accept_due is None or desk.now <= case.accept_due
    text = words.event_accepted.format(department=department, who=desk.actor.name or desk.actor.key)
    notify = words.citizen_accepted.format(number=case.number, department=department)
    data = {"department": department, "on_time": on_time}
    if case.status == Status.ASSIGNED:
        change_status(desk.session, case, Status.IN_PROGRESS, kind=ACCEPTED, actor=str(desk.actor), at=desk.now,
                      public=True, text=text, notify_citizen=notify, data=data, cipher=desk.services.cipher)
    else:
        add_event(desk.session, case, kind=ACCEPTED, actor=str(desk.actor), at=desk.now, public=True, text=text,
                  notify_citizen=notify, data=data, cipher=desk.services.cipher)
    case.accepted_at = desk.now
    desk.refresh_card(case)
    return words.accepted_answer.format(number=case.number)


def hand_back(desk: CaseDesk, case: Case, reason: str) -> str:
    """退回: not this department's case; back to the queue with the reason, the staff told."""
    words = desk.texts.departments
    reason = reason.strip()
    if not reason:
        raise ActionRefused(words.refused_return_reason)
    department = _holder(desk, case)
    if case.returns >= RETURNS_BEFORE_SUPERVISOR:
        raise ActionRefused(words.refused_return_limit.format(number=case.number, returns=case.returns))
    returns = case.returns + 1
    change_status(desk.session, case, Status.RECEIVED, kind=RETURNED, actor=str(desk.actor), at=desk.now,
                  public=False, text=words.event_returned.format(department=department, reason=reason),
                  data={"department": department, "reason": reason, "returns": returns})
    case.returns = returns
    case.department = None
    case.assigned_at = case.accept_due = case.accepted_at = None
    case.alerts = [key for key in case.alerts or [] if not key.startswith(ALERT_PREFIXES)]
    notice = words.staff_returned_decide if returns >= RETURNS_BEFORE_SUPERVISOR else words.staff_returned
    tell_staff(desk.session, desk.services,
               notice.format(number=case.number, department=department, reason=reason, returns=returns),
               dedupe_key=f"returned:{case.id}:{returns}", now=desk.now, case_id=case.id, urgent=case.urgent)
    desk.refresh_card(case)
    return desk.texts.staff_done.format(number=case.number, action=words.action_return)


def department_steps(case: Case) -> list[str]:
    """The department's steps the case can take now (the console offers them to its accounts and to
    supervisors; who may take them is the desk's check)."""
    if not case.department or Status(case.status) not in HOLDING:
        return []
    steps = [] if case.accepted_at is not None else [ACCEPT_STEP]
    return steps + ([RETURN_STEP] if case.returns < RETURNS_BEFORE_SUPERVISOR else [])


def _holder(desk: CaseDesk, case: Case) -> str:
    """The department holding the case, when this person may act for it; ActionRefused otherwise."""
    words = desk.texts.departments
    if not case.department or Status(case.status) not in HOLDING:
        raise ActionRefused(words.refused_not_assigned.format(number=case.number))
    actor = desk.actor
    if actor.role == SUPERVISOR or actor.department == case.department:
        return case.department
    if actor.department:
        raise ActionRefused(words.refused_not_theirs.format(number=case.number, department=case.department))
    raise ActionRefused(desk.texts.staff_not_allowed)
