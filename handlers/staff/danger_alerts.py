"""Danger alerts staff can act on: who, where, why, how to reach them, and a deadline repeated until 已联系.

When a citizen's words name a danger to life (the urgency rules' 120/110/119), staff are alerted at once,
before the form is finished (a woman in labour may never reach the summary). The alert says what is known:
the citizen's channel and chat (a link where the platform has one: Telegram opens the private chat), the
district, the words that set it off, and — once the citizen has given them — the name and phone (masked as
on every staff message; supervisors reveal the phone on the case's card). It carries a 已联系 button; until
someone presses it, staff are told again every `urgency.danger_contact_within` (10 minutes), with what is
known by then.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier import Classification
from handlers.delivery import payloads
from handlers.delivery.outbox import queue_for_each
from handlers.messages import Incoming
from handlers.services import Services
from handlers.staff.directory import StaffUser, authorise
from handlers.timers.batches import sweep_in_batches
from handlers.wording import citizen_words
from storage import inbox
from storage.conversations import find_conversation
from storage.encryption import mask_name, mask_phone
from storage.models import Case, DangerAlert

SWEEP = "danger-alert-sweep"
# the payload key a sender reads to draw the 已联系 button under the alert
ALERT_ID = "danger_alert"
# how long an alert is repeated at most: past this, the case's own deadlines have long taken over
GIVE_UP_AFTER_REPEATS = 12


def raise_alert(session: Session, services: Services, incoming: Incoming, classification: Classification,
                text: str, district: str | None, now: datetime) -> None:
    """Record the alert and tell every staff destination at once."""
    urgency = classification.urgency
    alert = DangerAlert(
        channel=incoming.channel, user_key=incoming.user_key, chat_key=incoming.chat_key, created_at=now,
        due_at=now + services.taxonomy.urgency.danger_contact_within, repeats=0,
        evidence={"reasons": list(urgency.reasons), "matched": list(urgency.matched),
                  "numbers": list(urgency.danger),
                  "district": district or classification.district.name},
        text_enc=services.cipher.encrypt(text),
    )
    session.add(alert)
    session.flush()
    _tell(session, services, alert, now, dedupe=f"danger:{incoming.channel}:{incoming.user_key}:{incoming.message_id}")


def _tell(session: Session, services: Services, alert: DangerAlert, now: datetime, *, dedupe: str) -> None:
    payload = payloads.staff_text(alert_text(session, services, alert)) | {ALERT_ID: alert.id}
    queue_for_each(session, services.staff_destinations, payload, dedupe_key=dedupe, now=now, urgent=True)


def chat_link(channel: str, chat_key: str) -> str:
    """Where staff reach the citizen: Telegram's link to the private chat, else the channel's chat id."""
    return f"tg://user?id={chat_key}" if channel == "telegram" and chat_key.isdigit() else chat_key


def _known_contact(session: Session, services: Services, alert: DangerAlert) -> dict[str, Any]:
    """Name, phone and district as far as the citizen has given them: the form still being filled, or
    the case filed from it since the alert."""
    case = session.scalars(
        select(Case).where(Case.channel == alert.channel, Case.user_key == alert.user_key,
                           Case.created_at >= alert.created_at).order_by(Case.id.desc()).limit(1)
    ).first()
    cipher = services.cipher
    if case is not None:
        return {"name": cipher.decrypt(case.name_enc), "phone": cipher.decrypt(case.phone_enc),
                "district": case.district, "case": case.number}
    conversation = find_conversation(session, alert.channel, alert.user_key)
    slots = cipher.decrypt_json(conversation.slots_enc) if conversation is not None else None
    slots = slots if isinstance(slots, dict) else {}
    return {"name": slots.get("name"), "phone": slots.get("phone"), "district": slots.get("district"),
            "case": None}


def alert_text(session: Session, services: Services, alert: DangerAlert) -> str:
    texts = services.taxonomy.texts
    known = _known_contact(session, services, alert)
    evidence = alert.evidence or {}
    return texts.staff_danger_alert.format(
        numbers="/".join(evidence.get("numbers", [])),
        channel=alert.channel,
        chat=chat_link(alert.channel, alert.chat_key),
        district=known["district"] or evidence.get("district") or texts.masked_none,
        reasons=texts.list_separator.join(evidence.get("reasons", [])),
        triggers=texts.list_separator.join(evidence.get("matched", [])),
        name=mask_name(known["name"]) or texts.masked_none,
        phone=mask_phone(known["phone"]) or texts.masked_none,
        case=known["case"] or texts.masked_none,
        minutes=int(services.taxonomy.urgency.danger_contact_within.total_seconds() // 60),
        repeats=alert.repeats,
        problem=citizen_words(services.cipher.decrypt(alert.text_enc) or ""),
    )


def sweep_danger_alerts(services: Services, now: datetime, *, batch: int = 200) -> int:
    """Tell staff again of every alert past its deadline that nobody marked 已联系; how many."""
    told = 0
    within = services.taxonomy.urgency.danger_contact_within

    def due(session: Session, after_id: int, limit: int) -> list[DangerAlert]:
        statement = (
            select(DangerAlert)
            .where(DangerAlert.contacted_at.is_(None), DangerAlert.due_at <= now,
                   DangerAlert.repeats < GIVE_UP_AFTER_REPEATS, DangerAlert.id > after_id)
            .order_by(DangerAlert.id).limit(limit).with_for_update(skip_locked=True)
        )
        return list(session.scalars(statement))

    def handle(session: Session, alert: DangerAlert) -> None:
        nonlocal told
        alert.repeats += 1
        alert.due_at = now + within
        _tell(session, services, alert, now, dedupe=f"danger-repeat:{alert.id}:{alert.repeats}")
        told += 1

    sweep_in_batches(services, SWEEP, due, handle, batch=batch)
    return told


def contacted(services: Services, who: StaffUser, message_id: str, alert_id: int) -> str | None:
    """已联系 pressed under an alert: no more repeats. What to tell the presser; None for a redelivery."""
    texts = services.taxonomy.texts
    with services.db.transaction() as session:
        actor = authorise(session, services, who)
        if actor is None:
            return texts.staff_refused
        now = services.clock.now()
        if not inbox.record(session, who.channel, who.user_key, message_id, now, None):
            return None
        alert = session.get(DangerAlert, alert_id, with_for_update=True)
        if alert is None:
            return texts.staff_danger_unknown
        if alert.contacted_at is None:
            alert.contacted_at, alert.contacted_by = now, actor.key
        return texts.staff_danger_contacted
