"""Filing a case from a confirmed form: number, classification, deadlines, first event, staff card.

All in the citizen's transaction: "已受理，编号 …" is said only for a case that is committed, and the
outbox row that tells staff commits with it.
"""

from __future__ import annotations

from handlers.attachments import records as attachments
from handlers.cases.states import Status
from handlers.cases.timeline import CITIZEN, add_event
from handlers.conversation.turn import Turn
from handlers.staff import notices as staff_notices
from handlers.wording import duration
from storage import cases


def file_case(turn: Turn) -> str:
    """File the confirmed form; returns the case number."""
    services = turn.services
    taxonomy = services.taxonomy
    cipher = services.cipher
    slots = turn.slots
    now = turn.now
    conversation = turn.conversation

    classification = services.classify(slots["problem"])
    urgent = bool(slots.get("danger")) or classification.urgency.urgent
    urgency = taxonomy.urgency.urgent if urgent else taxonomy.urgency.normal
    promise = taxonomy.promise[urgency]
    number = cases.next_case_number(turn.session, services.settings.case_prefix, services.local(now).date())

    values = {
        "number": number,
        "channel": conversation.channel,
        "user_key": conversation.user_key,
        "chat_key": conversation.chat_key,
        "name_enc": cipher.encrypt(slots["name"]),
        "phone_enc": cipher.encrypt(slots["phone"]),
        "phone_index": cipher.index(slots["phone"]),
        "district": slots["district"],
        "category": classification.category.name,
        "category_confidence": classification.category.confidence,
        "needs_review": classification.category.needs_review,
        "urgency": urgency,
        "urgent": urgent,
        "evidence": classification.evidence(),
        "problem": slots["problem"],
        "status": Status.RECEIVED.value,
        "created_at": now,
        "updated_at": now,
        "contact_due": now + promise.contact,
        "resolve_due": now + promise.resolve,
        "feedback_due": now + promise.feedback,
    }
    case_id = cases.insert_case(turn.session, values)
    add_event(turn.session, case_id, at=now, kind="received", actor=CITIZEN, public=True,
              text=turn.texts.event_received, to_status=Status.RECEIVED.value,
              data={"district_prefilled": bool(slots.get("district_prefilled"))})
    staff_notices.announce_case(turn.session, services, case_id, now, urgent=urgent)
    # after the card, so the photos received during the form reply to it
    attachments.attach(turn.session, services, slots.get("attachments", []), case_id=case_id,
                       channel=conversation.channel, user_key=conversation.user_key, now=now)

    # Saved for next time: a returning citizen is offered this contact.
    conversation.contact_name_enc = values["name_enc"]
    conversation.contact_phone_enc = values["phone_enc"]

    turn.say(
        "filed",
        number=number,
        contact=duration(taxonomy, promise.contact),
        resolve=duration(taxonomy, promise.resolve),
        feedback=duration(taxonomy, promise.feedback),
    )
    if urgent:
        turn.say("filed_urgent")
    return number
