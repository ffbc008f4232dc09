"""Running the synchronous handlers from the event loop.

On SQLite a message's transaction runs on the event loop's own thread: SQLite lets one writer in at a
time anyway, a message takes about a millisecond, and handing each one to a thread costs more than that
(the two threads pass the GIL back and forth on every SQLite call; measured: about half the throughput).
But only when the write lock is free: the attempt is impatient (`Database.impatient`), and
while another process holds the lock (a `yibang` command, a sweep in another process, a backup) the
message waits for it on the writer thread instead, so the event loop — every other answer, /healthz, the
WeChat 5-second budget — never waits for someone else's transaction.
On PostgreSQL the transactions wait on the network, so they run on the database's pool of writer
threads, one per pooled connection, and the event loop stays free (the WeChat 5-second budget relies
on that).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from handlers.services import Services, WriterBusy

log = logging.getLogger(__name__)

T = TypeVar("T")


def _started(services: Services, work: Callable[..., T], *args: object) -> tuple[bool, T | asyncio.Future[T]]:
    """(True, the result) when the work was done inline at once; else (False, the future running it on
    the writer thread)."""
    database = services.db
    if database.inline_writes:
        try:
            with database.impatient():
                return True, work(*args)
        except WriterBusy:
            log.info("SQLite's write lock is held elsewhere: this message waits for it off the event loop")
    loop = asyncio.get_running_loop()
    return False, asyncio.ensure_future(loop.run_in_executor(database.writers, work, *args))


async def on_writer_thread(services: Services, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` where this database's message transactions run (see the module docstring)."""
    done, value = _started(services, work, *args)
    return value if done else await value


async def within_budget(
    services: Services, budget: float, work: Callable[..., T], *args: object
) -> T | asyncio.Future[T]:
    """`work(*args)` where `on_writer_thread` runs it: its result if it comes within `budget` seconds,
    otherwise the future still running (whoever waits for it answers later). Inline work comes at once,
    unless the write lock is held elsewhere: then it waits on the writer thread like PostgreSQL's."""
    done, value = _started(services, work, *args)
    if done:
        return value
    finished, _ = await asyncio.wait({value}, timeout=budget)
    return value.result() if value in finished else value
