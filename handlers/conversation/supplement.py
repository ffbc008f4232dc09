"""补充材料: after filing, the citizen's further messages are offered to their open case,
so a second message about the same trouble does not become a second case."""

from __future__ import annotations

from typing import Any

from handlers.attachments import records as attachments
from handlers.cases.timeline import CITIZEN, add_event
from handlers.conversation import intake
from handlers.conversation.turn import IDLE, Turn
from handlers.conversation.validators import Value
from handlers.staff import notices as staff_notices
from handlers.wording import citizen_words
from storage.cases import case_by_number
from storage.models import Case

SUPPLEMENT = "supplement"


def choices(turn: Turn) -> tuple[str, ...]:
    texts = turn.texts
    return (texts.choice_supplement, texts.choice_new_case, texts.choice_never_mind)


def offer(turn: Turn, case: Case, text: str, attachment: int | None = None) -> None:
    """`attachment`: the id of a photo or file just received (handlers.attachments)."""
    turn.slots.clear()
    turn.slots.update({"case": case.number, "text": text, "attachments": [attachment] if attachment else []})
    turn.go(SUPPLEMENT)
    turn.ask(turn.text("supplement_offer", number=case.number), choices(turn))


def reprompt(turn: Turn) -> None:
    turn.ask(turn.text("supplement_offer", number=turn.slots.get("case", "")), choices(turn))


def choose(turn: Turn, index: int) -> None:
    pending = dict(turn.slots)
    turn.reset()
    if index == 0:
        _add_to_case(turn, pending)
    elif index == 1:
        prefill: dict[str, Any] = {"attachments": pending.get("attachments", [])}
        problem = intake.SLOTS["problem"].parse(turn, pending.get("text") or "")
        if isinstance(problem, Value):
            prefill["problem"] = problem.value
        intake.start(turn, prefill)
    else:
        attachments.discard(turn.session, pending.get("attachments") or [], turn.incoming.channel,
                            turn.conversation.user_key)
        turn.say("never_mind")


def _add_to_case(turn: Turn, pending: dict[str, Any]) -> None:
    case = case_by_number(turn.session, pending.get("case", ""), lock=True)
    if case is None or case.user_key != turn.conversation.user_key:
        turn.go(IDLE)
        return
    text = pending.get("text") or ""
    files = pending.get("attachments") or []
    attachments.attach(turn.session, turn.services, files, case_id=case.id, channel=case.channel,
                       user_key=case.user_key, now=turn.now)
    add_event(
        turn.session,
        case,
        kind="supplement",
        actor=CITIZEN,
        at=turn.now,
        public=False,
        text=turn.text("event_supplement", text=text) if text else None,
        data={"attachments": files},
    )
    if text:
        # Photos and files reach staff by themselves, as an album replying to the card, once fetched.
        staff_notices.tell_staff(
            turn.session,
            turn.services,
            turn.text("staff_supplement", number=case.number, text=citizen_words(text)),
            dedupe_key=f"supplement:{turn.incoming.channel}:{turn.incoming.user_key}:{turn.incoming.message_id}",
            now=turn.now,
            case_id=case.id,
        )
    turn.say("attachment_attached" if files and not text else "supplement_added", number=case.number)
