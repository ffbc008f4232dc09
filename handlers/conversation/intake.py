"""The intake form: slots as data, each with its question and its validator (after Rasa forms).

Adding a slot is one line here and one question in the taxonomy's texts. The form asks for the first
slot still empty, re-asks with the validator's reason, goes back along the path the citizen took, and
ends with a summary to confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.conversation import danger, similar_offer
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Parsed, Reject, Value, parse_name, parse_phone, parse_problem
from handlers.wording import match_choice

CONFIRM = "confirm"
EDIT_WHICH = "edit_which"
REUSE_CONTACT = "reuse_contact"
HISTORY = "_history"
# ids of the photos and files sent during the form (handlers.attachments), attached when it is filed
ATTACHMENTS = "attachments"
EDITING = "_editing"


def _parse_name(turn: Turn, text: str) -> Parsed:
    return parse_name(text, turn.taxonomy.dialogue.name_max)


def _parse_phone(turn: Turn, text: str) -> Parsed:
    return parse_phone(text)


def _parse_district(turn: Turn, text: str) -> Parsed:
    names = turn.taxonomy.district_names
    index = match_choice(text, names)
    if index is not None:
        return Value(names[index])
    found = turn.services.classifier.find_district(text)
    if found:
        return Value(found)
    return Reject("bad_district", {"text": text[:20]})


def _parse_problem(turn: Turn, text: str) -> Parsed:
    dialogue = turn.taxonomy.dialogue
    return parse_problem(text, dialogue.problem_min, dialogue.problem_max)


def _district_choices(turn: Turn) -> tuple[str, ...]:
    return tuple(turn.taxonomy.district_names)


@dataclass(frozen=True)
class Slot:
    name: str
    ask: str  # key of the question in texts
    label: str  # key of the field's name in texts (for "which one to change?")
    parse: Callable[[Turn, str], Parsed]
    choices: Callable[[Turn], tuple[str, ...]] | None = None
    request_contact: bool = False


INTAKE: tuple[Slot, ...] = (
    Slot("name", ask="ask_name", label="field_name", parse=_parse_name),
    Slot("phone", ask="ask_phone", label="field_phone", parse=_parse_phone, request_contact=True),
    Slot("district", ask="ask_district", label="field_district", parse=_parse_district, choices=_district_choices),
    Slot("problem", ask="ask_problem", label="field_problem", parse=_parse_problem),
)
SLOTS = {slot.name: slot for slot in INTAKE}


def in_intake(step: str) -> bool:
    return step in SLOTS or step in (CONFIRM, EDIT_WHICH, REUSE_CONTACT, similar_offer.OFFER)


def start(turn: Turn, prefill: dict[str, Any] | None = None) -> None:
    """Begin a new form; a returning citizen is first offered the contact they gave last time. Photos
    sent during a form that is started over stay with the new one: they were told so."""
    carried = list(turn.slots.get(ATTACHMENTS, [])) if in_intake(turn.step) else []
    turn.slots.clear()
    turn.slots[HISTORY] = []
    prefill = dict(prefill or {})
    if carried:
        prefill[ATTACHMENTS] = carried + list(prefill.get(ATTACHMENTS, []))
    for name, value in prefill.items():
        set_value(turn, name, value)
    conversation = turn.conversation
    if conversation.contact_phone_enc and "phone" not in turn.slots:
        cipher = turn.services.cipher
        name = cipher.decrypt(conversation.contact_name_enc)
        phone = cipher.decrypt(conversation.contact_phone_enc)
        if name and phone:
            turn.go(REUSE_CONTACT)
            turn.ask(
                turn.text("reuse_contact_offer", name=name, phone=phone),
                (turn.texts.choice_reuse_contact, turn.texts.choice_new_contact),
            )
            return
    advance(turn)


def reuse_contact(turn: Turn, index: int) -> None:
    if index == 0:
        cipher = turn.services.cipher
        turn.slots["name"] = cipher.decrypt(turn.conversation.contact_name_enc)
        turn.slots["phone"] = cipher.decrypt(turn.conversation.contact_phone_enc)
    advance(turn)


def reuse_contact_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_reuse_contact, turn.texts.choice_new_contact)


def advance(turn: Turn) -> None:
    """Ask for the first empty slot, or show the summary when all are filled."""
    for slot in INTAKE:
        if not turn.slots.get(slot.name):
            turn.go(slot.name)
            history = turn.slots.setdefault(HISTORY, [])
            if not history or history[-1] != slot.name:
                history.append(slot.name)
            ask_slot(turn, slot)
            return
    turn.slots.pop(EDITING, None)
    if similar_offer.offer(turn):
        return
    turn.go(CONFIRM)
    ask_confirm(turn)


def ask_slot(turn: Turn, slot: Slot) -> None:
    params = {"min": turn.taxonomy.dialogue.problem_min} if slot.name == "problem" else {}
    choices = slot.choices(turn) if slot.choices else ()
    turn.ask(turn.text(slot.ask, **params), choices, request_contact=slot.request_contact)


def fill(turn: Turn, slot: Slot, text: str) -> None:
    """Validate the answer to `slot`; store it and move on, or say why and ask again."""
    parsed = slot.parse(turn, text)
    if isinstance(parsed, Reject):
        # The reason says what to send instead, so it is the whole answer.
        reason = turn.text(parsed.reason, **parsed.params)
        choices = slot.choices(turn) if slot.choices else ()
        turn.ask(reason, choices, request_contact=slot.request_contact)
        return
    set_value(turn, slot.name, parsed.value)
    if turn.slots.get(EDITING):
        turn.slots.pop(EDITING, None)
        turn.go(CONFIRM)
        ask_confirm(turn)
        return
    advance(turn)


def set_value(turn: Turn, name: str, value: Any) -> None:
    turn.slots[name] = value
    if name == "problem":
        _after_problem(turn, value)


def _after_problem(turn: Turn, problem: str) -> None:
    """The problem text may name the district, and may point to danger to life."""
    classification = turn.services.classify(problem)
    danger.warn_if_dangerous(turn, problem, classification)
    if not turn.slots.get("district") and classification.district.name:
        turn.slots["district"] = classification.district.name
        turn.slots["district_prefilled"] = True
        turn.say("district_prefilled", district=classification.district.name)


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


def edit_choices(turn: Turn) -> tuple[str, ...]:
    return tuple(getattr(turn.texts, slot.label) for slot in INTAKE)


def ask_confirm(turn: Turn) -> None:
    slots = turn.slots
    classification = turn.services.classify(slots["problem"])
    urgency = turn.taxonomy.urgency.urgent if slots.get("danger") else classification.urgency.level
    category = classification.category.name
    if classification.category.needs_review:
        category += turn.texts.category_unsure
    summary = turn.text(
        "confirm_summary",
        name=slots["name"],
        phone=slots["phone"],
        district=slots["district"],
        problem=slots["problem"],
        category=category,
        urgency=urgency,
    )
    turn.ask(summary, confirm_choices(turn))


def choose_edit(turn: Turn, index: int) -> None:
    slot = INTAKE[index]
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
        name = turn.services.cipher.decrypt(turn.conversation.contact_name_enc)
        phone = turn.services.cipher.decrypt(turn.conversation.contact_phone_enc)
        turn.ask(turn.text("reuse_contact_offer", name=name, phone=phone), reuse_contact_choices(turn))
