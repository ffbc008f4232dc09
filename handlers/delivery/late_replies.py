"""Answers that missed a platform's reply window go out later as a push, exactly once.

WeChat waits five seconds for the passive answer, then retries the same message up to three times. When
handling takes longer, the channel answers "success" at once and handling goes on; an outbox row keyed by
the message's id points at the answer, which the handlers store with the message in the inbox. The row
is sent once the answer is there, so it goes out once however often the platform retries, and a retry of
a deferred message is recognised by that row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from handlers.delivery import payloads
from handlers.messages import Incoming, Reply
from handlers.services import Services
from storage import inbox, outbox
from storage.models import OutboxMessage

LATE_REPLY = ":late-reply:"


def _dedupe_key(channel: str, user_key: str, message_id: str) -> str:
    return f"{channel}{LATE_REPLY}{user_key}:{message_id}"


def defer(services: Services, incoming: Incoming, kept: dict[str, Any] | None = None) -> None:
    """The answer to `incoming`, still being handled, will be pushed when it is there; `kept`, the message
    itself (sealed in the row), so it can be handled again after a crash (handlers/delivery/deferred.py)."""
    with services.db.transaction() as session:
        outbox.enqueue(
            session,
            channel=incoming.channel,
            target=incoming.chat_key,
            payload=payloads.late_reply(incoming.message_id, services.cipher, kept),
            dedupe_key=_dedupe_key(incoming.channel, incoming.user_key, incoming.message_id),
            now=services.clock.now(),
        )


def was_deferred(services: Services, incoming: Incoming) -> bool:
    with services.db.reading() as session:
        return _row_id(session, incoming.channel, incoming.user_key, incoming.message_id) is not None


def give_up(services: Services, incoming: Incoming, error: str) -> None:
    """Handling failed after the platform was told "success": the row is for a person to see."""
    with services.db.transaction() as session:
        row_id = _row_id(session, incoming.channel, incoming.user_key, incoming.message_id)
        if row_id is not None:
            outbox.mark_failed(session, row_id, services.clock.now(), error)


def waiting_since(services: Services, moment: datetime) -> int:
    """Late replies queued before `moment` and not sent yet."""
    with services.db.reading() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.dedupe_key.like(f"%{LATE_REPLY}%"),
                OutboxMessage.created_at < moment,
            )
        ) or 0


def stored_replies(services: Services, channel: str, user_key: str, message_id: str) -> list[Reply] | None:
    """The replies the handlers gave a sender's message, None while it has not been handled (or never was)."""
    with services.db.reading() as session:
        seen, replies_enc = inbox.seen(session, channel, user_key, message_id)
    if not seen:
        return None
    return [Reply.from_dict(item) for item in services.cipher.decrypt_json(replies_enc) or []]


def _row_id(session, channel: str, user_key: str, message_id: str) -> int | None:
    return session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == _dedupe_key(channel, user_key, message_id))
    )
