"""Steps taken from the console: the same desk, the same checks, the same words as the Telegram group.

A step is refused, changing nothing, when the account may not take it (its role, its department), when
the case is not one it may see (answered as if there were no such case), or when the case can no longer
take it — a page drawn before the citizen withdrew — with the reason the group gets for a stale button.
The form's id goes into the inbox, so a form sent twice (a double click, a reload) is done once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from handlers.cases.actions import ActionRefused, CaseDesk, StaffStep, Step
from handlers.cases.merging import merge_group
from handlers.console.accounts import ConsoleAccount
from handlers.console.scope import ACCEPT, CATEGORY, PHONE, RETURN, URGENCY, may_take, sees_case
from handlers.console.similar import MERGE_SIMILAR
from handlers.departments.workflow import accept, hand_back
from handlers.services import Services
from handlers.staff.desk import TEXT_STEPS, at_desk, may_start
from storage.cases import case_by_number
from storage.models import Case

log = logging.getLogger(__name__)
MAX_TEXT = 2000
CONSOLE_STEPS = (CATEGORY, URGENCY, PHONE, ACCEPT, RETURN, MERGE_SIMILAR)


class NotVisible(LookupError):
    """No such case for this account (it may exist for others: the answer is the same 404)."""


def take_step(services: Services, account: ConsoleAccount, form_id: str, number: str, step: str,
              form: Mapping[str, str]) -> str | None:
    """Do `step` on case `number`; what to tell the staff member, or None for a form already done.
    NotVisible for a case the account may not see; ActionRefused (nothing changed) otherwise."""
    texts = services.taxonomy.texts
    if step not in set(StaffStep) and step not in CONSOLE_STEPS:
        raise NotVisible(number)
    _visible(services, account, number)
    if not may_take(account, step):
        log.warning("console: web:%s may not take %s on %s", account.username, step, number)
        raise ActionRefused(texts.staff_not_allowed)
    if step in TEXT_STEPS or step == StaffStep.ASSIGN:
        # what the group checks when such a button opens its prompt or its departments: a stale page is
        # refused with the same words as a stale card (the other steps are the desk's own refusal, as there)
        may_start(services, account.staff_user, number, step)
    work = _work(services, step, form)

    def guarded(desk: CaseDesk, case: Case) -> str:
        if not sees_case(account, case.department):  # handed elsewhere since the page was drawn
            raise NotVisible(number)
        return work(desk, case)

    said = at_desk(services, account.staff_user, f"{form_id}:{step}"[:120], number, guarded)
    log.info("console: web:%s took %s on %s", account.username, step, number)
    return said


def _visible(services: Services, account: ConsoleAccount, number: str) -> None:
    with services.db.reading() as session:
        case = case_by_number(session, number[:32])
        if case is None or not sees_case(account, case.department):
            raise NotVisible(number)


def _work(services: Services, step: str, form: Mapping[str, str]) -> Step:
    texts = services.taxonomy.texts
    if step in TEXT_STEPS:
        text = str(form.get("text", ""))[:MAX_TEXT]
        if not text.strip():
            raise ActionRefused(texts.staff_prompt_empty)
        return lambda desk, case: TEXT_STEPS[step](desk, case, text)
    if step == StaffStep.CONTACTED:
        return lambda desk, case: desk.contacted(case)
    if step == StaffStep.ASSIGN:
        department = str(form.get("department", ""))
        return lambda desk, case: desk.assign(case, department)
    if step == ACCEPT:
        return accept
    if step == MERGE_SIMILAR:
        return merge_group
    if step == RETURN:
        reason = str(form.get("text", ""))[:MAX_TEXT]
        return lambda desk, case: hand_back(desk, case, reason)
    if step == CATEGORY:
        category = str(form.get("category", ""))
        return lambda desk, case: desk.recategorise(case, category)
    if step == URGENCY:
        urgent = form.get("urgency") == "urgent"
        return lambda desk, case: desk.set_urgency(case, urgent)
    return lambda desk, case: desk.reveal_phone(case)
