"""A per-minute sending quota that gives each turned-away message its own later slot.

A WeCom group robot takes 20 messages a minute (errcode 130101 beyond). A row turned away costs an outbox
attempt, and the dispatcher gives up after a few; with a plain "try again in a while", a burst of new
cases would make the same rows lose to newer ones again and again until they fail. So a row that must
wait is given the earliest free slot, reserved for it, and is let through when it comes back then: each
row waits at most once. The dispatcher is the only sender in a deployment (one scheduler runs it), so the quota is
kept in its process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
# A reservation whose row never came back (sent elsewhere, given up) is forgotten after this long.
FORGET_AFTER_SECONDS = 600.0


class MinuteQuota:
    def __init__(self, per_minute: int, clock: Callable[[], float]):
        """`clock` gives seconds (any epoch)."""
        self.per_minute = per_minute
        self.clock = clock
        self._slots: deque[float] = deque()  # send times, past and reserved, in order
        self._reserved: dict[int, float] = {}  # outbox row id -> its slot
        self._not_before = 0.0

    def wait_for(self, row_id: int, count: int = 1) -> float:
        """Seconds row `row_id` must wait before sending its `count` messages (a case's photos go one
        message each); 0 means send now (the slots are taken)."""
        now = self.clock()
        self._forget(now)
        reserved = self._reserved.get(row_id)
        if reserved is not None:
            if reserved <= now:
                del self._reserved[row_id]
                return 0.0
            return reserved - now
        needed = max(1, min(count, self.per_minute))
        slot = max(now, self._not_before)
        room = self.per_minute - needed  # sends the window may already hold when ours go
        if len(self._slots) > room:
            slot = max(slot, self._slots[-(room + 1)] + WINDOW_SECONDS)
        self._slots.extend([slot] * needed)
        if slot <= now:
            return 0.0
        self._reserved[row_id] = slot
        return slot - now

    def pause(self, seconds: float) -> None:
        """The platform said the quota is used up (another sender on the same robot): hold back."""
        self._not_before = max(self._not_before, self.clock() + seconds)

    def _forget(self, now: float) -> None:
        while self._slots and self._slots[0] < now - WINDOW_SECONDS:
            self._slots.popleft()
        for row_id, slot in list(self._reserved.items()):
            if slot < now - FORGET_AFTER_SECONDS:
                del self._reserved[row_id]
