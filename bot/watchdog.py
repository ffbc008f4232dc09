"""The scheduler's watchdog, in web processes that run no scheduler of their own.

When the heartbeat goes stale, nothing reminds, revisits or delivers. A web worker notices, tells the
staff once per stall, and delivers the outbox itself meanwhile (rows are claimed, so it can never send
one twice alongside a scheduler that comes back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.dispatcher import Dispatcher
from handlers.health import scheduler_beat
from handlers.services import Services
from handlers.timers.heartbeat import tell_staff_of_stall

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 60


class SchedulerWatchdog:
    def __init__(self, services: Services, dispatcher: Dispatcher, every: float = CHECK_EVERY_SECONDS):
        self.services = services
        self.dispatcher = dispatcher
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def check_once(self) -> bool:
        """True when the scheduler looks stalled (staff told, outbox delivered)."""
        now = self.services.clock.now()
        beat = await asyncio.to_thread(scheduler_beat, self.services, now)
        if not beat.stale:
            return False
        await asyncio.to_thread(tell_staff_of_stall, self.services, beat.last)
        await self.dispatcher.run_once()
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.check_once()
            except Exception:  # the watchdog must outlive a database hiccup
                log.exception("scheduler watchdog check failed")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
