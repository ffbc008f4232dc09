"""The staff card's inline keyboard, and what its buttons send back.

The buttons are drawn from the case's card as it is at that moment (its `actions`), each time the card is
posted or edited, so a card offers only the steps the state machine allows now. 交办 turns the card's
keyboard into pages of departments, the taxonomy's routing for the case's category and district first.

A button's callback_data is "yb:<action>:<case number>[:<number>]": Telegram allows 1-64 bytes, and a
case number of the longest configurable prefix is 21 bytes, so every button fits with room to spare.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from config.taxonomy import Taxonomy
from config.texts import Texts
from handlers.cases.actions import StaffStep
from handlers.staff.notices import StaffCard

PREFIX = "yb"
MAX_CALLBACK_BYTES = 64  # Telegram's limit for InlineKeyboardButton.callback_data

# Buttons of the card itself, beside the steps of the state machine (StaffStep).
PHONE = "phone"  # supervisors see the full number, only they, in an alert
DEPARTMENTS = "depts"  # a page of departments; argument: the page
DEPARTMENT = "dept"  # 交办 to one; argument: its place in the taxonomy's list of departments
CARD = "card"  # back from the departments to the card's buttons
SIMILAR = "msim"  # 合并相似求助: the whole group of similar cases into its oldest open case
URGENT_YES = "urgent_yes"  # 确认紧急: a possibly urgent case is urgent
URGENT_NO = "urgent_no"  # 不紧急: it is not
DANGER = "danger"  # 已联系 under a danger alert; the "number" is the alert's id

ACTIONS_PER_ROW = 4
DEPARTMENTS_PER_PAGE = 6


@dataclass(frozen=True)
class Press:
    """A pressed button: which step, on which case, with which page or department."""

    action: str
    number: str
    argument: int | None = None

    @property
    def step(self) -> str | None:
        """The step of the state machine this press starts or leads to (a page of departments leads to
        交办); None for 返回, which only shows the card again."""
        if self.action == CARD:
            return None
        return StaffStep.ASSIGN if self.action in (DEPARTMENTS, DEPARTMENT) else self.action


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
    # ASCII digits only: "²" and "٣" are digits to str.isdigit(), and int() refuses the first.
    argument = parts[3]
    return Press(parts[1], parts[2], int(argument)) if argument.isascii() and argument.isdigit() else None


def danger_keyboard(texts: Texts, alert_id: int) -> InlineKeyboardMarkup:
    """已联系 under a danger alert: pressed, the alert is no longer repeated."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.staff_button_danger_contacted,
                                                       callback_data=callback_data(DANGER, str(alert_id)))]])


def card_keyboard(texts: Texts, card: StaffCard) -> InlineKeyboardMarkup | None:
    """The next allowed steps; 查看电话 while the case has a phone (the button is on the card for everyone,
    its answer only for supervisors). A case with nothing left to do has no keyboard."""
    buttons = [
        InlineKeyboardButton(_label(texts, action), callback_data=callback_data(action, card.number))
        for action in card.actions
    ]
    rows = [buttons[i:i + ACTIONS_PER_ROW] for i in range(0, len(buttons), ACTIONS_PER_ROW)]
    if card.similar and StaffStep.MERGE in card.actions:
        rows.append([InlineKeyboardButton(texts.similar.button_merge.format(count=card.similar),
                                          callback_data=callback_data(SIMILAR, card.number))])
    if card.possibly_urgent:
        rows.insert(0, [InlineKeyboardButton(_label(texts, choice), callback_data=callback_data(choice, card.number))
                        for choice in (URGENT_YES, URGENT_NO)])
    if card.has_phone:
        rows.append([InlineKeyboardButton(texts.staff_button_phone, callback_data=callback_data(PHONE, card.number))])
    return InlineKeyboardMarkup(rows) if rows else None


def department_keyboard(taxonomy: Taxonomy, card: StaffCard, page: int) -> InlineKeyboardMarkup:
    """One page of departments in routing order, one to a row (their names are long), with the way on,
    back, and back to the card."""
    texts = taxonomy.texts
    places = {department.name: index for index, department in enumerate(taxonomy.departments)}
    routed = card.departments
    last_page = max(0, (len(routed) - 1) // DEPARTMENTS_PER_PAGE)
    page = min(max(page, 0), last_page)
    shown = routed[page * DEPARTMENTS_PER_PAGE:(page + 1) * DEPARTMENTS_PER_PAGE]
    rows = [[InlineKeyboardButton(name, callback_data=callback_data(DEPARTMENT, card.number, places[name]))]
            for name in shown]
    way = []
    if page > 0:
        way.append(InlineKeyboardButton(texts.staff_button_previous,
                                        callback_data=callback_data(DEPARTMENTS, card.number, page - 1)))
    if page < last_page:
        way.append(InlineKeyboardButton(texts.staff_button_more,
                                        callback_data=callback_data(DEPARTMENTS, card.number, page + 1)))
    way.append(InlineKeyboardButton(texts.staff_button_back, callback_data=callback_data(CARD, card.number)))
    rows.append(way)
    return InlineKeyboardMarkup(rows)


def _label(texts: Texts, action: str) -> str:
    return str(getattr(texts, f"staff_button_{action}"))
