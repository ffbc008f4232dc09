"""修改 编号: a citizen corrects the phone, address or district of their own open case.

Staff phone the number on the case; a wrong digit found after filing used to mean a lost contact. The
citizen sends "修改 编号" (or taps the button offered with the case number), picks what to correct and
gives the new value, checked by the same validator as in the form. The change goes on the timeline
(internal: the values are personal) and staff are told, and the staff card is redrawn with the new values.
Only the citizen who filed the case may correct it (not a follower of a merged case), and only while it is
open. Other words are supplements (补充材料), as before.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.cases.details import CaseDetails
from handlers.cases.states import OPEN
from handlers.cases.timeline import CITIZEN, add_event
from handlers.conversation import answers, intake, reading
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Reject
from handlers.delivery import payloads
from handlers.delivery.outbox import queue_for_each
from handlers.staff import notices as staff_notices
from handlers.wording import citizen_words
from storage.cases import case_by_number
from storage.encryption import mask_phone
from storage.models import Case

# the step just after filing: the filed message offers the correction as a button
FILED = "filed"
CORRECT_WHICH = "correct_which"
CORRECT_VALUE = "correct_value"
CASE = "case"
FIELD = "field"
# what may be corrected, by the form's slot that asks and checks it
FIELDS = ("phone", "address", "district")


def offer_after_filing(turn: Turn, number: str) -> None:
    """The filed message gets the correction as its choice (a button on Telegram, "回复 1" elsewhere)."""
    turn.slots.clear()
    turn.slots[CASE] = number
    turn.go(FILED)
    if turn.replies:
        last = turn.replies.pop()
        turn.ask(last.text, filed_choices(turn))


def filed_choices(turn: Turn) -> tuple[str, ...]:
    return (turn.texts.choice_correct,)


def back_words(turn: Turn) -> dict[str, int]:
    """修改 just after filing means correcting what was filed."""
    return {word.lower(): 0 for word in turn.taxonomy.commands.back}


def from_filed(turn: Turn, index: int) -> None:
    if not start(turn, turn.slots.get(CASE, "")):
        turn.reset()


def _own_open_case(turn: Turn, number: str, *, lock: bool = False) -> Case | None:
    case = case_by_number(turn.session, number, lock=lock)
    conversation = turn.conversation
    if case is None or case.channel != conversation.channel or case.user_key != conversation.user_key:
        turn.say("progress_not_found", number=number)
        return None
    if case.status not in OPEN:
        turn.say("correct_not_open", number=case.number)
        return None
    return case


def start(turn: Turn, number: str) -> bool:
    """修改 编号: which field? False when the number is not the citizen's open case (they are told)."""
    case = _own_open_case(turn, number)
    if case is None:
        return False
    turn.slots.clear()
    turn.slots[CASE] = case.number
    turn.go(CORRECT_WHICH)
    reprompt(turn)
    return True


def which_choices(turn: Turn) -> tuple[str, ...]:
    return tuple(getattr(turn.texts, intake.SLOTS[name].label) for name in FIELDS)


def choose(turn: Turn, index: int) -> None:
    turn.slots[FIELD] = FIELDS[index]
    turn.go(CORRECT_VALUE)
    reprompt(turn)


def value_choices(turn: Turn) -> tuple[str, ...]:
    slot = intake.SLOTS[turn.slots.get(FIELD, "phone")]
    return slot.choices(turn) if slot.choices and slot.name == "district" else ()


def choose_value(turn: Turn, index: int) -> None:
    given(turn, value_choices(turn)[index])


def given(turn: Turn, text: str) -> None:
    """The new value: checked like the form's answer, then written to the case."""
    field = turn.slots.get(FIELD, "phone")
    slot = intake.SLOTS[field]
    parsed = slot.parse(turn, text)
    if isinstance(parsed, Reject) or not parsed.value:
        reason = parsed if isinstance(parsed, Reject) else Reject("bad_address", {"max": answers.ADDRESS_MAX})
        turn.ask(turn.text(reason.reason, **reason.params), value_choices(turn))
        return
    number = turn.slots.get(CASE, "")
    case = _own_open_case(turn, number, lock=True)
    turn.reset()
    if case is None:
        return
    label = getattr(turn.texts, slot.label)
    old, new = _apply(turn, case, field, parsed.value)
    add_event(turn.session, case, kind="corrected", actor=CITIZEN, at=turn.now,
              text=turn.text("event_corrected", field=label, old=old or turn.texts.masked_none, new=new),
              data={"field": field})
    staff_notices.tell_staff(
        turn.session, turn.services,
        turn.text("staff_corrected", number=case.number, field=label, old=old or turn.texts.masked_none, new=new),
        dedupe_key=f"corrected:{turn.incoming.channel}:{turn.incoming.message_id}", now=turn.now, case_id=case.id,
    )
    turn.session.flush()
    latest = max((event.id for event in case.events), default=0)
    queue_for_each(turn.session, turn.services.staff_destinations, payloads.case_card_update(case.id, CITIZEN),
                   dedupe_key=f"card-update:{case.id}:{latest}", now=turn.now, case_id=case.id)
    turn.say("correct_done", number=case.number, field=label, value=parsed.value)


def _apply(turn: Turn, case: Case, field: str, value: str) -> tuple[str, str]:
    """Write the new value; returns (old, new) as staff may read them (phones masked)."""
    cipher = turn.services.cipher
    if field == "phone":
        old = mask_phone(cipher.decrypt(case.phone_enc))
        case.phone_enc = cipher.encrypt(value)
        case.phone_index = cipher.index(value)
        return old, mask_phone(value)
    if field == "district":
        old = case.district or ""
        case.district = value
        return old, value
    details = CaseDetails.unseal(cipher, case.details_enc)
    found = reading.address_finder(turn.taxonomy).find(value)
    case.details_enc = replace(details, address=value).seal(cipher)
    case.place = (found.place if found else value)[:64]
    return citizen_words(details.address or ""), citizen_words(value)


def reprompt(turn: Turn) -> None:
    number = turn.slots.get(CASE, "")
    if turn.step == CORRECT_WHICH:
        turn.ask(turn.text("ask_correct_which", number=number), which_choices(turn))
    elif turn.step == CORRECT_VALUE:
        slot = intake.SLOTS[turn.slots.get(FIELD, "phone")]
        turn.ask(turn.text(slot.ask), value_choices(turn))


def filed_reprompt(turn: Turn) -> None:
    return None
