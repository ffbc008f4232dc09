"""A step taken from a staff chat (a button pressed, a reply to a prompt), each in one transaction.

Every step goes through CaseDesk, as from the command line: the person is authorised first, the
platform's message is recorded in the inbox so a redelivery changes nothing, and ActionRefused leaves
the transaction — so nothing of a refused step is kept — carrying the words for the staff member.
The chat's own side (buttons, prompts as messages) is the channel's; what is decided is here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from handlers.cases.actions import ActionRefused, Actor, CaseDesk, StaffStep, Step
from handlers.services import Services
from handlers.staff.directory import StaffUser, authorise
from handlers.staff.notices import StaffCard, card_of
from handlers.staff.prompts import Prompt, close_prompt, open_prompt, waiting_prompt
from handlers.wording import status_label
from storage import inbox
from storage.cases import case_by_number
from storage.models import Case

# The steps that need words, and what each does with the staff member's reply.
TEXT_STEPS: dict[str, Callable[[CaseDesk, Case, str], str]] = {
    StaffStep.NOTE: lambda desk, case, text: desk.note(case, text),
    StaffStep.RESOLVE: lambda desk, case, text: desk.resolve(case, text),
    StaffStep.MERGE: lambda desk, case, text: desk.merge(case, _case_number(text)),
    StaffStep.REJECT: lambda desk, case, text: desk.reject(case, text),
    StaffStep.REOPEN: lambda desk, case, text: desk.reopen(case, text),
}
# A case number inside a reply such as "合并到 ZZ20220110-0042".
_NUMBER = re.compile(r"[A-Za-z]{1,6}\d{8}-\d{4,}")


def at_desk(services: Services, who: StaffUser, message_id: str, number: str, step: Step) -> str | None:
    """One button's step on a case; what to tell the presser, or None for a redelivered message."""
    with services.db.transaction() as session:
        desk = _desk(services, session, who, message_id)
        if desk is None:
            return None
        return step(desk, desk.case(number))


def answer_prompt(services: Services, who: StaffUser, message_id: str, prompt_id: int, text: str) -> str | None:
    """The reply to a prompt does the prompt's step. None when the message replied to is no prompt of ours
    (chatter answering a card), or for a redelivered message."""
    texts = services.taxonomy.texts
    with services.db.transaction() as session:
        now = services.clock.now()
        waiting = waiting_prompt(session, who.chat_key, prompt_id, now)
        if waiting is None:
            return None
        desk = _desk(services, session, who, message_id)
        if desk is None:
            return None
        prompt = waiting.prompt
        if not waiting.live:
            raise ActionRefused(texts.staff_prompt_expired.format(minutes=services.settings.staff_prompt_minutes))
        if prompt.user_key != who.user_key:
            raise ActionRefused(texts.staff_prompt_not_yours.format(name=prompt.name))
        if not text.strip():
            raise ActionRefused(texts.staff_prompt_empty)
        said = TEXT_STEPS[prompt.action](desk, desk.case(prompt.number), text)
        close_prompt(session, who.chat_key, prompt_id, now)
        return said


def may_start(services: Services, who: StaffUser, number: str, step: str | None) -> StaffCard:
    """The case's card, when this person may start `step` on it now (None: only look at the card);
    ActionRefused otherwise. Read only: a prompt or a page of departments is shown before anything is done."""
    texts = services.taxonomy.texts
    with services.db.reading() as session:
        if _actor(services, session, who) is None:
            raise ActionRefused(texts.staff_refused)
        case = case_by_number(session, number)
        if case is None:
            raise ActionRefused(texts.staff_unknown_case.format(number=number))
        card = card_of(services, case)
    if step is not None and step not in card.actions:
        label = getattr(texts, f"staff_button_{step}", step)
        raise ActionRefused(texts.staff_button_illegal.format(
            number=card.number, action=label, status=status_label(services.taxonomy, case.status)))
    return card


def remember_prompt(services: Services, chat_id: str, message_id: int, prompt: Prompt) -> None:
    """A prompt just sent, waiting for its staff member's reply (from any worker) until it runs out."""
    with services.db.transaction() as session:
        now = services.clock.now()
        lifetime = timedelta(minutes=services.settings.staff_prompt_minutes)
        open_prompt(session, chat_id, message_id, prompt, now, lifetime)


def _desk(services: Services, session: Session, who: StaffUser, message_id: str) -> CaseDesk | None:
    actor = _actor(services, session, who)
    if actor is None:
        raise ActionRefused(services.taxonomy.texts.staff_refused)
    now = services.clock.now()
    if not inbox.record(session, who.channel, who.user_key, message_id, now, None):
        return None
    return CaseDesk(services, session, actor, now)


def _actor(services: Services, session: Session, who: StaffUser) -> Actor | None:
    return authorise(session, services, who)


def _case_number(text: str) -> str:
    found = _NUMBER.search(text)
    return found.group(0) if found else text.strip()
