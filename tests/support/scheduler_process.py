"""A scheduler process as `yibang scheduler` runs it — the same jobs on the same APScheduler set-up, on the
real clock — whose senders write each row they deliver to a file, so a test can count deliveries across
a kill and a restart.

Environment: the YIBANG_* settings, and
- STAND_IN_DELIVERIES: the file that gets one line (the outbox row id) per delivery;
- STAND_IN_HANG=1: the citizen sender never returns, like a platform call hanging when the process dies;
- STAND_IN_LEASE: seconds a claimed row stays claimed (the dispatcher's lease).
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from bot.application import periodic_jobs
from bot.dispatcher import Dispatcher, SendResult, Sent
from bot.logs import configure_logging
from bot.scheduler import build_scheduler
from config import load_settings
from handlers.delivery.outbox import OutboxItem
from handlers.services import Services


class RecordingSender:
    def __init__(self, channel: str, path: str, *, hang: bool):
        self.channel = channel
        self.path = path
        self.hang = hang

    async def send(self, item: OutboxItem) -> SendResult:
        if self.hang:
            await asyncio.Event().wait()
        await asyncio.to_thread(self._record, item.id)
        return Sent()

    def _record(self, row_id: int) -> None:
        with open(self.path, "a", encoding="utf-8") as deliveries:
            deliveries.write(f"{row_id}\n")
            deliveries.flush()
            os.fsync(deliveries.fileno())


async def main() -> None:
    configure_logging("INFO")
    services = Services.from_settings(load_settings())
    path = os.environ["STAND_IN_DELIVERIES"]
    senders = [
        RecordingSender("log", path, hang=False),
        RecordingSender("console", path, hang=os.environ.get("STAND_IN_HANG") == "1"),
    ]
    lease = timedelta(seconds=float(os.environ.get("STAND_IN_LEASE", "120")))
    scheduler = build_scheduler(periodic_jobs(services, Dispatcher(services, senders, lease=lease)),
                                services.settings.timezone)
    scheduler.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
