"""Answers that miss WeChat's five seconds: the callback says "success" and the answer follows as a
customer-service message, exactly once (handlers.delivery.late_replies keeps the row that says so).

WeChat waits 5 s for the passive answer, then retries the same message up to three times. Here the
handling that is still running is followed to its end, so a failure is recorded for a person to see.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.delivery import late_replies
from handlers.messages import Incoming, Outcome
from handlers.services import Services

log = logging.getLogger(__name__)


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

    def was_deferred(self, incoming: Incoming) -> bool:
        return late_replies.was_deferred(self.services, incoming)

    async def settle(self) -> None:
        """Wait for every deferred message's handling (on shutdown, and in tests)."""
        while self._following:
            await asyncio.gather(*self._following, return_exceptions=True)

    async def _follow(self, incoming: Incoming, handling: asyncio.Future[Outcome]) -> None:
        try:
            await asyncio.to_thread(late_replies.defer, self.services, incoming)
        except Exception:  # the handling goes on; the answer stays in the inbox for a retry to find
            log.exception("could not queue the late answer to WeChat message %s", incoming.message_id)
        try:
            await handling
        except Exception as exc:  # the citizen got "success": the failed row is for a person to see
            log.exception(
                "handling WeChat message %s failed after its answer was deferred", incoming.message_id
            )
            await asyncio.to_thread(late_replies.give_up, self.services, incoming,
                                    f"handling failed: {type(exc).__name__}: {exc}")
