"""What a press or a reply in the staff group does to the database, each in one transaction.

Every step goes through CaseDesk, as from the command line: the person is authorised first, the update
is recorded in the inbox so a redelivery changes nothing, and ActionRefused leaves the transaction — so
nothing of a refused step is kept — carrying the words for the staff member.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session
from telegram import InlineKeyboardMarkup, User

from bot.telegram import staff_card as card
from bot.telegram.staff_prompts import Prompt, close_prompt, open_prompt, waiting_prompt
from bot.telegram.updates import CHANNEL
from handlers.cases.actions import ActionRefused, Actor, CaseDesk, allowed_actions
from handlers.services import Services
from handlers.staff.directory import authorise
from handlers.wording import status_label
from storage import inbox
from storage.cases import case_by_number
from storage.models import Case

# The steps that need words, and what each does with the staff member's reply.
TEXT_STEPS: dict[str, Callable[[CaseDesk, Case, str], str]] = {
    card.NOTE: lambda desk, case, text: desk.note(case, text),
    card.RESOLVE: lambda desk, case, text: desk.resolve(case, text),
    card.MERGE: lambda desk, case, text: desk.merge(case, _case_number(text)),
    card.REJECT: lambda desk, case, text: desk.reject(case, text),
    card.REOPEN: lambda desk, case, text: desk.reopen(case, text),
}
# A case number inside a reply such as "合并到 ZZ20220110-0042".
_NUMBER = re.compile(r"[A-Za-z]{1,6}\d{8}-\d{4,}")


@dataclass(frozen=True)
class StaffUser:
    """Who pressed or wrote, and in which chat: authorisation depends on both."""

    user_key: str
    name: str
    chat_key: str

    @classmethod
    def of(cls, user: User, chat_id: int | None) -> StaffUser:
        return cls(str(user.id), user.full_name, "" if chat_id is None else str(chat_id))


def at_desk(services: Services, who: StaffUser, update_id: int, number: str,
            step: Callable[[CaseDesk, Case], str]) -> str | None:
    """One button's step on a case; what to tell the presser, or None for a redelivered update."""
    with services.db.transaction() as session:
        desk = _desk(services, session, who, update_id)
        if desk is None:
            return None
        return step(desk, desk.case(number))


def answer_prompt(services: Services, who: StaffUser, update_id: int, prompt_id: int, text: str) -> str | None:
    """The reply to a prompt does the prompt's step. None when the message replied to is no prompt of ours
    (chatter answering a card), or for a redelivered update."""
    texts = services.taxonomy.texts
    with services.db.transaction() as session:
        now = services.clock.now()
        waiting = waiting_prompt(session, who.chat_key, prompt_id, now)
        if waiting is None:
            return None
        desk = _desk(services, session, who, update_id)
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


def may_start(services: Services, who: StaffUser, press: card.Press) -> Case:
    """The case, when this person may start this step on it now; ActionRefused otherwise. Read only: a
    prompt or a page of departments is shown before anything is done."""
    texts = services.taxonomy.texts
    with services.db.reading() as session:
        if _actor(services, session, who) is None:
            raise ActionRefused(texts.staff_refused)
        case = case_by_number(session, press.number)
        if case is None:
            raise ActionRefused(texts.staff_unknown_case.format(number=press.number))
        step = card.ASSIGN if press.action in (card.DEPARTMENTS, card.DEPARTMENT) else press.action
        if step != card.CARD and step not in allowed_actions(case):
            label = getattr(texts, f"staff_button_{step}", step)
            raise ActionRefused(texts.staff_button_illegal.format(
                number=case.number, action=label, status=status_label(services.taxonomy, case.status)))
        return case


def keyboard_for(services: Services, who: StaffUser, press: card.Press) -> InlineKeyboardMarkup | None:
    """The card's keyboard after a page turn: a page of departments, or the card's own buttons."""
    case = may_start(services, who, press)
    if press.action == card.CARD:
        return card.card_keyboard(services.taxonomy.texts, case)
    return card.department_keyboard(services, case, press.argument or 0)


def remember_prompt(services: Services, chat_id: str, message_id: int, prompt: Prompt) -> None:
    with services.db.transaction() as session:
        now = services.clock.now()
        lifetime = timedelta(minutes=services.settings.staff_prompt_minutes)
        open_prompt(session, chat_id, message_id, prompt, now, lifetime)


def _desk(services: Services, session: Session, who: StaffUser, update_id: int) -> CaseDesk | None:
    actor = _actor(services, session, who)
    if actor is None:
        raise ActionRefused(services.taxonomy.texts.staff_refused)
    now = services.clock.now()
    if not inbox.record(session, CHANNEL, str(update_id), now, None):
        return None
    return CaseDesk(services, session, actor, now)


def _actor(services: Services, session: Session, who: StaffUser) -> Actor | None:
    return authorise(session, services, channel=CHANNEL, user_key=who.user_key, chat_key=who.chat_key,
                     name=who.name)


def _case_number(text: str) -> str:
    found = _NUMBER.search(text)
    return found.group(0) if found else text.strip()
