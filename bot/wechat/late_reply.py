"""Answers that miss WeChat's five seconds go out as customer-service messages, exactly once.

WeChat waits 5 s for the passive answer, then retries the same message up to three times (PITFALLS.md).
When the handlers have not finished within the budget, the callback answers "success" (no retry) and the
handling goes on in the background. An outbox row keyed by the message's id points at the answer: the
dispatcher sends it once the handlers have stored it with the message in the inbox, so the reply goes out
once however often WeChat retries, and a retry of a deferred message is recognised by that row.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from handlers.messages import Incoming, Outcome, Reply
from handlers.services import Services
from storage import inbox, outbox
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

LATE_REPLY = "late_reply"


def _dedupe_key(message_id: str) -> str:
    return f"wechat:late-reply:{message_id}"


def stored_replies(services: Services, channel: str, message_id: str) -> list[Reply] | None:
    """The replies the handlers gave a message, None while it has not been handled (or never was)."""
    with services.db.reading() as session:
        seen, replies_enc = inbox.seen(session, channel, message_id)
    if not seen:
        return None
    return [Reply.from_dict(item) for item in services.cipher.decrypt_json(replies_enc) or []]


class LateReplies:
    def __init__(self, services: Services):
        self.services = services
        # Kept so the tasks are not collected while running, and awaited on shutdown.
        self._following: set[asyncio.Task[None]] = set()

    def defer(self, incoming: Incoming, handling: asyncio.Future[Outcome]) -> None:
        """Queue the answer of a message still being handled as a customer-service message."""
        task = asyncio.create_task(self._follow(incoming, handling))
        self._following.add(task)
        task.add_done_callback(self._following.discard)

    def was_deferred(self, message_id: str) -> bool:
        with self.services.db.reading() as session:
            found = session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == _dedupe_key(message_id))
            )
        return found is not None

    async def settle(self) -> None:
        """Wait for every deferred message's handling (on shutdown, and in tests)."""
        while self._following:
            await asyncio.gather(*self._following, return_exceptions=True)

    async def _follow(self, incoming: Incoming, handling: asyncio.Future[Outcome]) -> None:
        try:
            await asyncio.to_thread(self._enqueue, incoming)
        except Exception:  # the handling goes on; the answer stays in the inbox for a retry to find
            log.exception("could not queue the late answer to WeChat message %s", incoming.message_id)
        try:
            await handling
        except Exception as exc:  # the citizen got "success": the failed row is for a person to see
            log.exception(
                "handling WeChat message %s failed after its answer was deferred", incoming.message_id
            )
            await asyncio.to_thread(self._fail, incoming, f"handling failed: {type(exc).__name__}: {exc}")

    def _enqueue(self, incoming: Incoming) -> None:
        with self.services.db.transaction() as session:
            outbox.enqueue(
                session,
                channel=incoming.channel,
                target=incoming.chat_key,
                payload={"kind": LATE_REPLY, "message_id": incoming.message_id},
                dedupe_key=_dedupe_key(incoming.message_id),
                now=self.services.clock.now(),
            )

    def _fail(self, incoming: Incoming, error: str) -> None:
        with self.services.db.transaction() as session:
            row_id = session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key == _dedupe_key(incoming.message_id))
            )
            if row_id is not None:
                outbox.mark_failed(session, row_id, self.services.clock.now(), error)
