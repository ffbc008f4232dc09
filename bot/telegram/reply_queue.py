"""Replies to citizens, queued per chat and sent by a task of that chat, never by the update itself.

Telegram takes about one message a second in a private chat. Sent inside update processing, the wait for
that limit held the update's processing slot (and, with a webhook, Telegram's request): one citizen
sending 80 messages filled every slot, and everyone else waited nearly a minute. Here handling an update
ends when its replies are queued; each chat's own task sends them in order, at the chat's pace, so a
chat waits only for itself.

A flooding chat's backlog is capped. The handlers' rate limit already answers a chat that sends too
fast with "please wait"; that answer goes once per chat a minute, and its repeats are dropped rather than
queued for minutes. Past `MAX_BACKLOG` queued turns, a turn's replies go to the outbox (sealed, and sent
by the dispatcher as the chat's limit allows), so memory stays bounded and nothing acknowledged is lost.
What cannot be sent now (429, a network error) and what is still queued at shutdown goes there too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.telegram.render import messages
from bot.telegram.updates import CHANNEL
from config.texts import Texts
from handlers.delivery import reachability
from handlers.delivery.outbox import queue_replies
from handlers.messages import Reply
from handlers.services import Services

log = logging.getLogger(__name__)

# Turns (one update's replies) a chat may have waiting; at one message a second, about half a minute.
MAX_BACKLOG = 20
# A chat told to slow down is told again only after this long.
SLOW_DOWN_EVERY_SECONDS = 60.0
# How long shutdown waits for the queues before the rest goes to the outbox.
SHUTDOWN_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Turn:
    """One update's replies to one chat, and how they are drawn."""

    bot: Bot
    chat_key: str
    replies: tuple[Reply, ...]
    update_id: int
    clear_keyboard: bool = True
    defer_on_failure: bool = True


class ChatReplies:
    def __init__(self, services: Services, texts: Texts, *, clock: Callable[[], float] = time.monotonic,
                 max_backlog: int = MAX_BACKLOG):
        self.services = services
        self.texts = texts
        self.clock = clock
        self.max_backlog = max_backlog
        self._queues: dict[str, deque[Turn]] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}
        self._slowed: dict[str, float] = {}
        self.dropped = 0

    def waiting(self, chat_key: str) -> int:
        """Turns queued for the chat (the one being sent included)."""
        return len(self._queues.get(chat_key, ()))

    async def put(self, turn: Turn, *, slow_down: bool = False) -> None:
        """Queue a turn's replies. `slow_down`: they are the rate limit's "please wait"."""
        chat = turn.chat_key
        if slow_down:
            told = self._slowed.get(chat)
            now = self.clock()
            if told is not None and now - told < SLOW_DOWN_EVERY_SECONDS:
                self.dropped += 1
                return
            self._slowed[chat] = now
        queue = self._queues.setdefault(chat, deque())
        if len(queue) >= self.max_backlog:
            log.info("Telegram chat %s has %d turns waiting: this one goes through the outbox", chat, len(queue))
            await asyncio.to_thread(self._defer, turn, list(turn.replies))
            return
        queue.append(turn)
        if chat not in self._senders:
            task = asyncio.create_task(self._drain(chat), name=f"telegram-replies-{chat}")
            self._senders[chat] = task

    async def settled(self) -> None:
        """Wait until every queue is empty (tests, and shutdown's grace)."""
        while self._senders:
            await asyncio.gather(*list(self._senders.values()), return_exceptions=True)

    async def close(self) -> None:
        """Shutdown: a moment for the queues, then what is left goes to the outbox."""
        try:
            await asyncio.wait_for(self.settled(), SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:
            pass
        for task in list(self._senders.values()):
            task.cancel()
        await asyncio.gather(*list(self._senders.values()), return_exceptions=True)
        left = [turn for queue in self._queues.values() for turn in queue if turn.defer_on_failure]
        self._queues.clear()
        for turn in left:
            await asyncio.to_thread(self._defer, turn, list(turn.replies))

    async def _drain(self, chat: str) -> None:
        queue = self._queues[chat]
        try:
            while queue:
                await self._send(queue[0])
                queue.popleft()
        finally:
            if not queue:
                self._queues.pop(chat, None)
            self._senders.pop(chat, None)

    async def _send(self, turn: Turn) -> None:
        """The turn's replies in order. A reply without choices clears the keyboard of the question before
        it. The chat's flood limit is waited for here, in this chat's task alone."""
        chat = turn.chat_key
        for index, reply in enumerate(turn.replies):
            try:
                for kwargs in messages(reply, self.texts, clear_keyboard=turn.clear_keyboard):
                    await turn.bot.send_message(chat_id=chat, **kwargs)
            except Forbidden:
                log.info("Telegram chat %s blocked the bot before its answer", chat)
                # In a private chat the chat id is the user's id, which is the conversation's user_key.
                await asyncio.to_thread(reachability.gone, self.services, CHANNEL, chat)
                return
            except BadRequest as exc:  # this reply can never go (a subclass of NetworkError: checked first)
                log.error("Telegram refused a reply to chat %s: %s", chat, exc)
            except (RetryAfter, NetworkError) as exc:
                log.warning("reply to Telegram chat %s not sent now (%s)", chat, exc)
                if turn.defer_on_failure:
                    await asyncio.to_thread(self._defer, turn, list(turn.replies[index:]))
                return
            except TelegramError as exc:
                log.error("reply to Telegram chat %s failed: %s", chat, exc)
                return

    def _defer(self, turn: Turn, replies: list[Reply]) -> None:
        """The replies not sent, as one outbox row: their texts in order, the last one's keyboard."""
        if replies:
            queue_replies(self.services, CHANNEL, turn.chat_key, replies,
                          dedupe_key=f"telegram-reply:{turn.update_id}")
