"""Running the synchronous handlers from the event loop, on the database's own writer threads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from handlers.services import Services

T = TypeVar("T")


async def on_writer_thread(services: Services, work: Callable[..., T], *args: object) -> T:
    """`work(*args)` off the event loop, on a thread of the database's writer pool (one for SQLite,
    a pool for PostgreSQL), so message transactions never queue on SQLite's lock inside the process."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(services.db.writers, work, *args)
