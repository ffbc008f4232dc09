"""Updates of different people run at the same time; one person's updates in one chat run in the order they came.

A citizen who sends "张女士" and then "13912345678" a moment later must have them handled, and answered,
in that order, or the phone number would be read as the name. The conversation row lock serialises the
handling, but not the sending of replies after it; a lock per chat and sender, taken in arrival order
(asyncio locks are first come, first served), serialises both.

In a private chat the sender is the chat. In the staff group each staff member has their own line: one
person's button press comes before their reply to the prompt it opened, while thirty colleagues pressing
at once, or a reply waiting for the group's flood limit, do not hold each other up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Line = tuple[int, int]
# Updates that may be in hand at once, waiting for their line or processed (memory, not concurrency).
MAX_WAITING_UPDATES = 1024


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, *, max_waiting_updates: int = MAX_WAITING_UPDATES):
        """At most `max_concurrent_updates` are processed at once, and only updates at the head of their
        line count: one chat's queue of updates waiting for each other never takes another chat's slot.
        PTB's own bound (`max_waiting_updates`) only caps how many may wait in all."""
        super().__init__(max(max_waiting_updates, max_concurrent_updates))
        self._working = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[Line, asyncio.Lock] = {}
        self._holders: dict[Line, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        line = _line(update)
        if line is None:
            async with self._working:
                await coroutine
            return
        lock = self._locks.setdefault(line, asyncio.Lock())
        self._holders[line] = self._holders.get(line, 0) + 1
        try:
            async with lock, self._working:
                await coroutine
        finally:
            self._holders[line] -= 1
            if not self._holders[line]:
                del self._holders[line], self._locks[line]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _line(update: object) -> Line | None:
    """The chat and the person an update is from; None for an update from no chat."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None:
        return None
    sender = update.effective_user if isinstance(update, Update) else None
    return chat.id, sender.id if sender is not None else 0
