"""The staff card's inline keyboard, and what its buttons send back (DESIGN §9).

The buttons are drawn from the case as it is at that moment (`allowed_actions`), each time the card is
posted or edited, so a card offers only the steps the state machine allows now. 交办 turns the card's
keyboard into pages of departments, the taxonomy's routing for the case's category and district first.

A button's callback_data is "yb:<action>:<case number>[:<number>]": Telegram allows 1-64 bytes, and a
case number of the longest configurable prefix is 21 bytes, so every button fits with room to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dispatcher import OutboxItem, render_staff_text
from config.texts import Texts
from handlers.cases.actions import allowed_actions
from handlers.services import Services
from handlers.staff.notices import render_card
from storage.models import Case

PREFIX = "yb"
MAX_CALLBACK_BYTES = 64  # Telegram's limit for InlineKeyboardButton.callback_data

# Steps of the state machine, as `allowed_actions` names them.
CONTACTED = "contacted"
ASSIGN = "assign"
NOTE = "note"
RESOLVE = "resolve"
MERGE = "merge"
REJECT = "reject"
REOPEN = "reopen"
# Buttons of the card itself.
PHONE = "phone"  # supervisors see the full number, only they, in an alert
DEPARTMENTS = "depts"  # a page of departments; argument: the page
DEPARTMENT = "dept"  # 交办 to one; argument: its place in the taxonomy's list of departments
CARD = "card"  # back from the departments to the card's buttons

ACTIONS_PER_ROW = 4
DEPARTMENTS_PER_PAGE = 6

CARD_KINDS = frozenset({"case_card", "case_card_update"})


@dataclass(frozen=True)
class Press:
    """A pressed button: which step, on which case, with which page or department."""

    action: str
    number: str
    argument: int | None = None


def callback_data(action: str, number: str, argument: int | None = None) -> str:
    data = f"{PREFIX}:{action}:{number}" + (f":{argument}" if argument is not None else "")
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data over Telegram's {MAX_CALLBACK_BYTES} bytes: {data}")
    return data


def parse_press(data: str | None) -> Press | None:
    """The press a button's data stands for; None for data that is not one of ours."""
    parts = (data or "").split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX or not parts[2]:
        return None
    if len(parts) == 3:
        return Press(parts[1], parts[2])
    return Press(parts[1], parts[2], int(parts[3])) if parts[3].isdigit() else None


def card_keyboard(texts: Texts, case: Case) -> InlineKeyboardMarkup | None:
    """The next allowed steps; 查看电话 while the case has a phone (the button is on the card for everyone,
    its answer only for supervisors). A case with nothing left to do has no keyboard."""
    buttons = [
        InlineKeyboardButton(_label(texts, action), callback_data=callback_data(action, case.number))
        for action in allowed_actions(case)
    ]
    rows = [buttons[i:i + ACTIONS_PER_ROW] for i in range(0, len(buttons), ACTIONS_PER_ROW)]
    if case.phone_enc:
        rows.append([InlineKeyboardButton(texts.staff_button_phone, callback_data=callback_data(PHONE, case.number))])
    return InlineKeyboardMarkup(rows) if rows else None


def department_keyboard(services: Services, case: Case, page: int) -> InlineKeyboardMarkup:
    """One page of departments in routing order, one to a row (their names are long), with the way on,
    back, and back to the card."""
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    places = {department.name: index for index, department in enumerate(taxonomy.departments)}
    routed = taxonomy.departments_for(case.category, case.district)
    last_page = max(0, (len(routed) - 1) // DEPARTMENTS_PER_PAGE)
    page = min(max(page, 0), last_page)
    shown = routed[page * DEPARTMENTS_PER_PAGE:(page + 1) * DEPARTMENTS_PER_PAGE]
    rows = [[InlineKeyboardButton(name, callback_data=callback_data(DEPARTMENT, case.number, places[name]))]
            for name in shown]
    way = []
    if page > 0:
        way.append(InlineKeyboardButton(texts.staff_button_previous,
                                        callback_data=callback_data(DEPARTMENTS, case.number, page - 1)))
    if page < last_page:
        way.append(InlineKeyboardButton(texts.staff_button_more,
                                        callback_data=callback_data(DEPARTMENTS, case.number, page + 1)))
    way.append(InlineKeyboardButton(texts.staff_button_back, callback_data=callback_data(CARD, case.number)))
    rows.append(way)
    return InlineKeyboardMarkup(rows)


def staff_message(services: Services, item: OutboxItem) -> tuple[str, InlineKeyboardMarkup | None]:
    """A staff row as Telegram shows it: a case card with the buttons of the case as it is now (read in
    one go, so text and buttons agree), or a notice's plain text."""
    if item.payload.get("kind") in CARD_KINDS and item.case_id is not None:
        with services.db.reading() as session:
            case = session.get(Case, item.case_id)
            if case is not None:
                return render_card(services, case), card_keyboard(services.taxonomy.texts, case)
    return render_staff_text(services, item), None


def _label(texts: Texts, action: str) -> str:
    return str(getattr(texts, f"staff_button_{action}"))
