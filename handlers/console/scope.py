"""Who sees which case, and who may take which step, in the console.

A supervisor sees every case and may reveal a phone number (recorded); a handler sees every case with
phones masked; an account with a department sees only the cases handed to that department — any other
is answered as if it did not exist — and works them (签收, 已联系, 回复, 办结, 退回), while handing cases on, merging,
refusing, reopening and correcting the classifier stay with the desks that see everything.
Pure functions: the rules are tested without a browser or a database.
"""

from __future__ import annotations

from typing import Protocol

from handlers.cases.actions import SUPERVISOR, StaffStep

# Steps beside the card's StaffStep that the console offers.
PHONE = "phone"  # 查看电话
CATEGORY = "category"  # correcting the classifier's category
URGENCY = "urgency"  # correcting the urgency
# The department's own steps (handlers/departments/workflow.py): for its accounts and supervisors.
ACCEPT = "accept"  # 签收
RETURN = "return"  # 退回, with the reason
DEPARTMENT_STEPS = frozenset({StaffStep.CONTACTED, StaffStep.NOTE, StaffStep.RESOLVE, ACCEPT, RETURN})


class Scoped(Protocol):
    role: str
    department: str | None


def sees_case(account: Scoped, case_department: str | None) -> bool:
    return account.department is None or case_department == account.department


def may_take(account: Scoped, step: str) -> bool:
    """Whether the account's role and department allow the step at all (the case's state decides the rest)."""
    if step == PHONE:
        return account.role == SUPERVISOR
    if step in (ACCEPT, RETURN):
        return account.role == SUPERVISOR or account.department is not None
    if account.department is not None:
        return step in DEPARTMENT_STEPS
    return True


def sees_phones(account: Scoped) -> bool:
    """Only supervisors may have a full number shown, one case at a time, each time recorded."""
    return account.role == SUPERVISOR
