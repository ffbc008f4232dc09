"""Filing a case from a confirmed form: the case itself (handlers/cases/filing.py), the contact kept for
next time, and the citizen told the number and the promise.

All in the citizen's transaction: "已受理，编号 …" is said only for a case that is committed.
"""

from __future__ import annotations

from handlers.cases.filing import NewCase, file_new_case
from handlers.conversation import reading, summary
from handlers.conversation.turn import Turn
from handlers.wording import duration


def file_case(turn: Turn, *, category: str | None = None) -> str:
    """File the confirmed form; returns the case number. `category`: one the citizen chose (when the
    classifier was unsure), else the classifier's."""
    services = turn.services
    taxonomy = services.taxonomy
    slots = turn.slots
    conversation = turn.conversation

    filed = file_new_case(
        services,
        turn.session,
        NewCase(
            channel=conversation.channel,
            user_key=conversation.user_key,
            chat_key=conversation.chat_key,
            name=slots["name"],
            phone=slots["phone"],
            district=slots["district"],
            problem=slots["problem"],
            attachments=list(slots.get("attachments", [])),
            danger=bool(slots.get("danger")),
            category=category,
            event_data={"district_prefilled": bool(slots.get("district_prefilled"))},
            details=summary.details(turn, summary.person_facts(turn)),
            place=slots.get(reading.PLACE) or None,
        ),
        turn.now,
    )

    # Saved for next time: a returning citizen is offered this contact.
    conversation.contact_name_enc = services.cipher.encrypt(slots["name"])
    conversation.contact_phone_enc = services.cipher.encrypt(slots["phone"])

    promise = filed.promise
    turn.say(
        "filed",
        number=filed.number,
        contact=duration(taxonomy, promise.contact),
        resolve=duration(taxonomy, promise.resolve),
        feedback=duration(taxonomy, promise.feedback),
    )
    if filed.urgent:
        turn.say("filed_urgent")
    return filed.number
