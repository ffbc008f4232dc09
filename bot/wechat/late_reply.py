"""Answers that miss WeChat's five seconds: the message is kept first, the callback says "success", and the
answer follows as a customer-service message, exactly once (handlers.delivery.late_replies keeps the row
that says so; handlers.delivery.deferred keeps the message).

WeChat waits 5 s for the passive answer, then retries the same message up to three times; after "success"
it never sends it again, so the message is kept durably before that answer goes: as the late reply's row,
or, when the database cannot take the row in time (SQLite's write lock held by another process), as a
sealed file in DATA_DIR that a sweep here moves into the database. Handling still running is followed to
its end; handling lost with a crashed process is done again by the dispatcher or the sweep.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.delivery import deferred, late_replies
from handlers.messages import Incoming, Outcome
from handlers.replay import Replayed, SignedUse
from handlers.services import Services

log = logging.getLogger(__name__)

# The row must be in the database within this (the budget plus this stays under WeChat's five seconds);
# otherwise the message goes to the spool on disk.
KEEP_SECONDS = 0.5
# How often the spool is looked at for messages to move into the database.
SWEEP_EVERY_SECONDS = 5.0


class LateReplies:
    def __init__(self, services: Services):
        self.services = services
        # Kept so the tasks are not collected while running, and awaited on shutdown.
        self._following: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    async def keep(self, incoming: Incoming, signed: SignedUse) -> deferred.Kept | None:
        """Keep a message whose handling passed the budget, before "success" is answered; None when it
        could be kept nowhere (then no "success": WeChat sends the message again)."""
        kept = deferred.Kept(incoming, signed, self.services.clock.now())
        try:
            await asyncio.wait_for(asyncio.to_thread(deferred.keep, self.services, kept), KEEP_SECONDS)
            return kept
        except Exception as exc:  # the database is busy or slow: the disk instead
            log.warning("WeChat message %s kept on disk, the database did not take it in time (%s)",
                        incoming.message_id, type(exc).__name__)
        try:
            await asyncio.to_thread(deferred.spool, self.services, kept)
        except OSError:
            log.exception("WeChat message %s could not be kept anywhere", incoming.message_id)
            return None
        return kept

    def follow(self, kept: deferred.Kept, handling: asyncio.Future[Outcome]) -> None:
        """See the kept message's handling to its end, then queue its answer."""
        task = asyncio.create_task(self._follow(kept, handling))
        self._following.add(task)
        task.add_done_callback(self._following.discard)

    def was_deferred(self, incoming: Incoming) -> bool:
        return late_replies.was_deferred(self.services, incoming) or deferred.spooled(self.services, incoming)

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="wechat-spool")

    async def settle(self) -> None:
        """Wait for every deferred message's handling (on shutdown, and in tests)."""
        while self._following:
            await asyncio.gather(*self._following, return_exceptions=True)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        await self.settle()

    async def _follow(self, kept: deferred.Kept, handling: asyncio.Future[Outcome]) -> None:
        message = kept.incoming.message_id
        try:
            await handling
        except Replayed as exc:
            log.warning("WeChat message %s refused after its answer was deferred: %s", message, exc)
            await asyncio.to_thread(deferred.refused, self.services, kept, str(exc))
            return
        except Exception:  # kept: handled again later, or a dead letter for a person
            log.exception("handling WeChat message %s failed after its answer was deferred", message)
            return
        try:
            await asyncio.to_thread(deferred.settle, self.services, kept)
        except Exception:  # the spooled copy stays, and the sweep settles it
            log.exception("the answer to WeChat message %s could not be queued yet", message)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_SECONDS)
            try:
                done = await asyncio.to_thread(deferred.sweep_spool, self.services)
            except Exception:
                log.exception("the WeChat spool sweep failed")
                continue
            if done["handled"] or done["dead"]:
                log.info("WeChat spool: %s", done)
