"""The intake form: slots as data, each with its question and its validator (after Rasa forms).

The problem comes first: it is what is on the citizen's mind, and the danger check (120/110/119) and the
classifier work from the first answer. Then only what is still missing is asked, one question per slot:
every message is read for every slot (`reading`), so a phone, a district or an address written anywhere
is never asked for again, and a problem written at another question is taken as the problem.

Adding a slot is one row of INTAKE and one question in the taxonomy's texts. A slot may be needed only
sometimes (`needed`: the person in need when the text names someone else, the address when the problem
needs a place) and may be optional (answered by 跳过).

Hook points for other steps (an offer before the summary, an instant answer): `advance` is the one place
that decides what comes next once a slot is filled; `BEFORE_CONFIRM` lists functions called with the turn
when every slot is filled, before the summary — one that asked something itself returns True, and its own
step calls `advance` (or `ask_confirm`) when answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.conversation import answers, danger, reading, similar_offer, summary
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Parsed, Reject, Value

CONFIRM = "confirm"
EDIT_WHICH = "edit_which"
REUSE_CONTACT = "reuse_contact"
HISTORY = "_history"
# ids of the photos and files sent during the form (handlers.attachments), attached when it is filed
ATTACHMENTS = "attachments"
EDITING = "_editing"
REUSE_OFFERED = "_reuse_offered"


@dataclass(frozen=True)
class Slot:
    name: str
    ask: str  # key of the question in texts
    label: str  # key of the field's name in texts (for "which one to change?")
    parse: Callable[[Turn, str], Parsed]
    choices: Callable[[Turn], tuple[str, ...]] | None = None
    request_contact: bool = False
    # asked only when this says so (None: always)
    needed: Callable[[Turn], bool] | None = None
    # an empty answer (跳过) counts as answered
    optional: bool = False
    # (other slot, question): while that slot is missing too, this question asks for both in one answer
    # ("称呼和电话", "区县和小区"); whatever the answer carries of the other slot fills it
    ask_with: tuple[tuple[str, str], ...] = ()


INTAKE: tuple[Slot, ...] = (
    Slot("problem", ask="ask_problem", label="field_problem", parse=answers.parse_problem),
    Slot("for_whom", ask="ask_for_whom", label="field_for_whom", parse=answers.parse_for_whom, choices=answers.for_whom_choices,
         needed=answers.names_someone_else),
    Slot("name", ask="ask_name", label="field_name", parse=answers.parse_name, ask_with=(("phone", "ask_name_phone"),)),
    Slot("phone", ask="ask_phone", label="field_phone", parse=answers.parse_phone, request_contact=True),
    Slot("address", ask="ask_address", label="field_address", parse=answers.parse_address, choices=answers.skip_choices,
         needed=answers.needs_place, optional=True, ask_with=(("district", "ask_address_district"),)),
    Slot("district", ask="ask_district", label="field_district", parse=answers.parse_district, choices=answers.district_choices),
)
SLOTS = {slot.name: slot for slot in INTAKE}

# Hook point: called in order once every slot is filled, before the summary (see the module's docstring).
BEFORE_CONFIRM: list[Callable[[Turn], bool]] = []


def in_intake(step: str) -> bool:
    return step in SLOTS or step in (CONFIRM, EDIT_WHICH, REUSE_CONTACT, similar_offer.OFFER)


def is_needed(turn: Turn, slot: Slot) -> bool:
    return slot.needed is None or slot.needed(turn)


def is_filled(turn: Turn, slot: Slot) -> bool:
    return slot.name in turn.slots if slot.optional else bool(turn.slots.get(slot.name))


def start(turn: Turn, prefill: dict[str, Any] | None = None) -> None:
    """Begin a new form, from what is already known (a first message's problem, a shared contact).
    Photos sent during a form that is started over stay with the new one: they were told so."""
    carried = list(turn.slots.get(ATTACHMENTS, [])) if in_intake(turn.step) else []
    turn.slots.clear()
    turn.slots[HISTORY] = []
    prefill = dict(prefill or {})
    if carried:
        prefill[ATTACHMENTS] = carried + list(prefill.get(ATTACHMENTS, []))
    for name, value in prefill.items():
        set_value(turn, name, value)
    advance(turn)


def _saved_contact(turn: Turn) -> tuple[str, str] | None:
    conversation = turn.conversation
    if not conversation.contact_phone_enc:
        return None
    cipher = turn.services.cipher
    name = cipher.decrypt(conversation.contact_name_enc)
    phone = cipher.decrypt(conversation.contact_phone_enc)
    return (name, phone) if name and phone else None


def _offer_saved_contact(turn: Turn) -> bool:
    """A returning citizen is offered the contact they gave last time: one answer for two slots."""
    slots = turn.slots
    if slots.get(REUSE_OFFERED) or slots.get("phone") or slots.get(EDITING):
        return False
    saved = _saved_contact(turn)
    if saved is None:
        return False
    slots[REUSE_OFFERED] = True
    turn.go(REUSE_CONTACT)
    turn.ask(turn.text("reuse_contact_offer", name=saved[0], phone=saved[1]), reuse_contact_choices(turn))
    return True


def reuse_contact(turn: Turn, index: int) -> None:
    saved = _saved_contact(turn)
    if index == 0 and saved is not None:
        if not turn.slots.get("name"):
            turn.slots["name"] = saved[0]
        turn.slots["phone"] = saved[1]
    advance(turn)


def reuse_contact_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_reuse_contact, turn.texts.choice_new_contact)


def missing(turn: Turn) -> list[Slot]:
    """The slots still to ask, in the form's order."""
    return [slot for slot in INTAKE if not is_filled(turn, slot) and is_needed(turn, slot)]


def advance(turn: Turn) -> None:
    """Ask for the first slot still missing, or show the summary when all are filled."""
    todo = missing(turn)
    if todo:
        slot = todo[0]
        if slot.name in ("name", "phone") and _offer_saved_contact(turn):
            return
        turn.go(slot.name)
        history = turn.slots.setdefault(HISTORY, [])
        if not history or history[-1] != slot.name:
            history.append(slot.name)
        ask_slot(turn, slot)
        return
    turn.slots.pop(EDITING, None)
    if similar_offer.offer(turn):
        return
    for hook in BEFORE_CONFIRM:
        if hook(turn):
            return
    turn.go(CONFIRM)
    ask_confirm(turn)


def ask_slot(turn: Turn, slot: Slot) -> None:
    params = {"min": turn.taxonomy.dialogue.problem_min} if slot.name == "problem" else {}
    choices = slot.choices(turn) if slot.choices else ()
    ask = next((key for other, key in slot.ask_with
                if not turn.slots.get(EDITING) and not is_filled(turn, SLOTS[other])), slot.ask)
    turn.ask(turn.text(ask, **params), choices, request_contact=slot.request_contact)


def answer(turn: Turn, slot: Slot, text: str) -> None:
    """A typed answer at `slot`'s question, read for every slot: the answer to the question wins; a
    problem told instead (or danger told at any question) goes to the problem, and whatever else the
    message carries fills the slots still empty."""
    if slot.name == "problem":
        fill(turn, slot, text)
        return
    found = reading.read(turn, text)
    parsed = slot.parse(turn, text)
    if found.danger or (isinstance(parsed, Reject) and found.story):
        set_problem(turn, text, append=True)
        if isinstance(parsed, Value) and not is_filled(turn, slot):
            set_value(turn, slot.name, parsed.value)
        turn.say("problem_added")
        _next(turn)
        return
    if isinstance(parsed, Reject):
        noted = reading.absorb(turn, found)
        if noted:
            turn.say("noted", fields=_labels(turn, noted))
            if is_filled(turn, slot) or not is_needed(turn, slot):
                _next(turn)
                return
        _ask_again(turn, slot, parsed)
        return
    set_value(turn, slot.name, parsed.value)
    reading.absorb(turn, found, skip=slot.name)
    _next(turn)


def fill(turn: Turn, slot: Slot, text: str) -> None:
    """Validate the answer to `slot`; store it and move on, or say why and ask again."""
    parsed = slot.parse(turn, text)
    if isinstance(parsed, Reject):
        if slot.name == "problem":
            # a bare phone or district sent first is kept; the problem is still asked for
            noted = reading.absorb(turn, reading.read(turn, text))
            if noted:
                turn.say("noted", fields=_labels(turn, noted))
        _ask_again(turn, slot, parsed)
        return
    set_value(turn, slot.name, parsed.value)
    _next(turn)


def _ask_again(turn: Turn, slot: Slot, parsed: Reject) -> None:
    # The reason says what to send instead, so it is the whole answer.
    reason = turn.text(parsed.reason, **parsed.params)
    choices = slot.choices(turn) if slot.choices else ()
    turn.ask(reason, choices, request_contact=slot.request_contact)


def _next(turn: Turn) -> None:
    if turn.slots.get(EDITING) and not missing(turn):
        turn.slots.pop(EDITING, None)
        turn.go(CONFIRM)
        ask_confirm(turn)
        return
    advance(turn)


def _labels(turn: Turn, names: list[str]) -> str:
    labels = {slot.name: getattr(turn.texts, slot.label) for slot in INTAKE}
    labels[reading.PHONE2] = turn.texts.field_phone2
    return turn.texts.list_separator.join(labels[name] for name in names if name in labels)


def set_value(turn: Turn, name: str, value: Any) -> None:
    if name == "problem":
        set_problem(turn, value)
    elif name == "address":
        found = reading.address_finder(turn.taxonomy).find(value) if value else None
        reading.set_address(turn, value, found.place if found else value)
    else:
        turn.slots[name] = value


def set_problem(turn: Turn, text: str, *, append: bool = False) -> None:
    """The problem (or more of it): checked for danger, read for the other slots, its district kept."""
    text = text.strip()
    old = turn.slots.get("problem", "")
    problem = f"{old}\n{text}" if append and old else text
    if len(problem) > turn.taxonomy.dialogue.problem_max:
        problem = old or text[: turn.taxonomy.dialogue.problem_max]
    turn.slots["problem"] = problem
    classification = turn.services.classify(text)
    danger.warn_if_dangerous(turn, text, classification)
    found = reading.read(turn, text)
    had_district = bool(turn.slots.get("district"))
    reading.absorb(turn, found)
    district = turn.slots.get("district")
    if not had_district and district:
        turn.slots["district_prefilled"] = True
        turn.say("district_prefilled", district=district)


def back(turn: Turn) -> None:
    """Go one step back along the path taken; the slot stepped back into is asked again."""
    history: list[str] = turn.slots.setdefault(HISTORY, [])
    if turn.step in (CONFIRM, EDIT_WHICH, similar_offer.OFFER):
        target = history[-1] if history else INTAKE[-1].name
    else:
        if len(history) <= 1:
            turn.say("back_at_start")
            reprompt(turn)
            return
        history.pop()
        target = history[-1]
    turn.slots.pop(target, None)
    turn.slots.pop(EDITING, None)
    turn.go(target)
    ask_slot(turn, SLOTS[target])


def confirm_choices(turn: Turn) -> tuple[str, ...]:
    texts = turn.texts
    return (texts.choice_confirm, texts.choice_edit, texts.choice_cancel)


def editable(turn: Turn) -> list[Slot]:
    return [slot for slot in INTAKE if is_needed(turn, slot) or is_filled(turn, slot)]


def edit_choices(turn: Turn) -> tuple[str, ...]:
    return tuple(getattr(turn.texts, slot.label) for slot in editable(turn))


def ask_confirm(turn: Turn) -> None:
    turn.ask(summary.text(turn), confirm_choices(turn))


def choose_edit(turn: Turn, index: int) -> None:
    slot = editable(turn)[index]
    turn.slots[EDITING] = True
    turn.go(slot.name)
    ask_slot(turn, slot)


def reprompt(turn: Turn) -> None:
    """Ask the current question again (after help, progress, or a message that was not an answer)."""
    step = turn.step
    if step in SLOTS:
        ask_slot(turn, SLOTS[step])
    elif step == CONFIRM:
        ask_confirm(turn)
    elif step == EDIT_WHICH:
        turn.ask(turn.texts.ask_edit_which, edit_choices(turn))
    elif step == REUSE_CONTACT:
        saved = _saved_contact(turn) or ("", "")
        turn.ask(turn.text("reuse_contact_offer", name=saved[0], phone=saved[1]), reuse_contact_choices(turn))
