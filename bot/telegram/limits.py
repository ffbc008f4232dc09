"""Telegram's flood limits, kept before Telegram has to say 429.

The Bot FAQ ("My bot is hitting limits"): no more than about 30 messages per second overall, 20 per
minute to one group, and about one per second to one chat, "short bursts" tolerated. Each is a sliding
window here: never more than N sends in any span of T seconds. A private chat gets 3 per 3 seconds, the
one-per-second average with room for the two or three replies one message can get (an emergency
warning, a note, the next question) without making the citizen wait.

Unlike PTB's AIORateLimiter, a caller can ask how long a chat must wait (`delay`) before sending, so the
outbox dispatcher defers a staff card instead of blocking every other delivery behind a busy group.
When Telegram answers 429 anyway, that chat waits the retry_after it was given. Limits hold within one
process: the one scheduler sends the outbox; direct replies come from whichever process took the update.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

ChatId = int | str
_ALL = "*"


@dataclass(frozen=True)
class Window:
    """At most `count` sends in any `seconds`."""

    count: int
    seconds: float


OVERALL = Window(30, 1.0)
GROUP = Window(20, 60.0)
PRIVATE = Window(3, 3.0)


class FloodControl(BaseRateLimiter[None]):
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        overall: Window = OVERALL,
        group: Window = GROUP,
        private: Window = PRIVATE,
    ):
        self._clock = clock
        self._overall = overall
        self._group = group
        self._private = private
        self._sent: dict[ChatId, deque[float]] = {}
        self._paused: dict[ChatId, float] = {}
        self._records = 0

    async def initialize(self) -> None:
        """Nothing to set up: the windows live in memory."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def delay(self, chat_id: ChatId) -> float:
        """Seconds until a message to this chat may go; 0 when it may go now."""
        key = _key(chat_id)
        now = self._clock()
        waits = [
            self._paused.get(key, now) - now,
            self._window_wait(_ALL, self._overall, now),
            self._window_wait(key, self._window_of(key), now),
        ]
        return max(0.0, *waits)

    def record(self, chat_id: ChatId) -> None:
        """A message to this chat is going now."""
        key = _key(chat_id)
        now = self._clock()
        for name in (_ALL, key):
            self._sent.setdefault(name, deque()).append(now)
        self._records += 1
        if self._records % 1000 == 0:
            self._forget_quiet_chats(now)

    def pause(self, chat_id: ChatId, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing goes to it for `seconds`."""
        key = _key(chat_id)
        self._paused[key] = max(self._paused.get(key, 0.0), self._clock() + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """PTB calls this around every Bot API request; those that name a chat wait their turn."""
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, getMe, setWebhook …
            return await callback(*args, **kwargs)
        # Waiting and recording happen with no await in between, so concurrent senders cannot both
        # take the last place in a window.
        while (wait := self.delay(chat_id)) > 0:
            await asyncio.sleep(wait)
        self.record(chat_id)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.pause(chat_id, retry_after_seconds(exc))
            raise

    def _window_of(self, key: ChatId) -> Window:
        # Group and channel ids are negative; a channel's @username is a string.
        return self._private if isinstance(key, int) and key > 0 else self._group

    def _window_wait(self, key: ChatId, window: Window, now: float) -> float:
        sent = self._sent.get(key)
        if not sent:
            return 0.0
        while sent and sent[0] <= now - window.seconds:
            sent.popleft()
        if len(sent) < window.count:
            return 0.0
        return sent[len(sent) - window.count] + window.seconds - now

    def _forget_quiet_chats(self, now: float) -> None:
        longest = max(self._group.seconds, self._private.seconds, self._overall.seconds)
        for key in [k for k, sent in self._sent.items() if not sent or sent[-1] <= now - longest]:
            del self._sent[key]
        for key in [k for k, until in self._paused.items() if until <= now]:
            del self._paused[key]


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int today and a timedelta with PTB_TIMEDELTA (PTB 22.2 deprecation)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _key(chat_id: ChatId) -> ChatId:
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)
