"""Delivering outbox rows on Telegram: pushes to citizens, the case card and notices to the staff group.

Errors become the dispatcher's results. 429 and our own flood limits: wait, without using up an
attempt. A network error: retry with backoff. A citizen who blocked the bot (403) or whose chat is gone:
give up and record it on their conversation, so later pushes are not tried until they write again.
The staff group refusing (the bot removed, a wrong id) is a setting to fix, so those rows retry until
the dispatcher gives up and marks them for a person. The card's message id is kept on the case, and
when staff act the card is edited in place, its text and its buttons drawn from the case as it is then
(a card deleted in the group is posted again).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.telegram.department_chat import send_handover
from bot.telegram.limits import FloodControl, retry_after_seconds
from bot.telegram.render import messages
from bot.telegram.staff_attachments import send_case_attachments
from bot.telegram.staff_card import card_keyboard, danger_keyboard
from bot.telegram.updates import CHANNEL
from handlers.delivery import reachability
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import CARD_KINDS, OutboxKind
from handlers.messages import Reply
from handlers.services import Services
from handlers.staff.danger_alerts import ALERT_ID as DANGER_ALERT
from handlers.staff.notices import message_for_staff, remember_posted_card, staff_card

log = logging.getLogger(__name__)

# The daily report: its chart as a photo, the figures as the caption (or after it, when too long).
CAPTION_LIMIT = 1024
# A wait this short is taken in line; a longer one defers the row and the dispatcher moves on.
WAIT_IN_LINE_SECONDS = 1.0
# The Bot API's words (400 Bad Request) for a chat the bot cannot reach.
CHAT_GONE = ("chat not found", "peer_id_invalid")


class TelegramSender:
    channel = CHANNEL

    def __init__(self, services: Services, make_bot: Callable[[], ExtBot[Any]], flood: FloodControl):
        self.services = services
        self.flood = flood
        self._make_bot = make_bot
        self._bot: ExtBot[Any] | None = None
        self._bot_loop: asyncio.AbstractEventLoop | None = None

    async def send(self, item: OutboxItem) -> SendResult:
        kind = item.kind
        if kind is OutboxKind.CITIZEN_UPDATE:
            return await self._to_citizen(item)
        if kind in (OutboxKind.CASE_CARD, OutboxKind.STAFF_TEXT):
            return await self._to_staff(item)
        if kind is OutboxKind.CASE_CARD_UPDATE:
            return await self._edit_card(item)
        if kind is OutboxKind.STAFF_REPORT:
            return await self._report(item)
        if kind is OutboxKind.CASE_ATTACHMENTS:
            return await send_case_attachments(self, item)
        if kind is OutboxKind.DEPARTMENT_HANDOVER:
            return await send_handover(self, item)
        return GiveUp(f"no Telegram rendering for outbox payload kind {item.payload.get('kind')!r}")

    async def close(self) -> None:
        if self._bot is not None and self._bot_loop is asyncio.get_running_loop():
            await self._bot.shutdown()
        self._bot = self._bot_loop = None

    async def _to_citizen(self, item: OutboxItem) -> SendResult:
        # In a private chat the chat id is the user's id, which is the conversation's user_key.
        citizen = await asyncio.to_thread(reachability.reach, self.services, CHANNEL, item.target)
        if citizen.unreachable:
            return GiveUp("the citizen blocked the bot")
        reply = Reply.from_dict(item.payload)
        held = self.held_back(item.target)
        if held is not None:
            return held
        sends = messages(reply, self.services.taxonomy.texts, clear_keyboard=False)
        if not sends:  # news with no words is a broken row, not a delivery
            return GiveUp("the update has no text to send")
        try:
            await self._post(item.target, sends)
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, Forbidden) or _chat_gone(exc):
                await asyncio.to_thread(reachability.gone, self.services, CHANNEL, item.target)
            return GiveUp(_describe(exc))
        except TelegramError as exc:
            return _retry(exc)
        return Sent()

    async def _to_staff(self, item: OutboxItem) -> SendResult:
        text, keyboard = await self._staff_message(item)
        held = self.held_back(item.target)
        if held is not None:
            return held
        sends = messages(Reply(text), self.services.taxonomy.texts, clear_keyboard=False)
        if keyboard is not None and sends:
            sends[0]["reply_markup"] = keyboard  # on the message whose reference is kept and edited
        try:
            posted = await self._post(item.target, sends)
        except ChatMigrated as exc:
            # A group upgraded to a supergroup has a new id; the old one will never work again.
            log.warning("the staff group %s is now %s: set YIBANG_TELEGRAM_STAFF_CHAT_ID=%s",
                        item.target, exc.new_chat_id, exc.new_chat_id)
            try:
                posted = await self._post(str(exc.new_chat_id), sends)
            except TelegramError as again:
                return _retry(again)
        except (Forbidden, BadRequest) as exc:
            if isinstance(exc, BadRequest) and not _chat_gone(exc):
                return GiveUp(_describe(exc))
            log.error("the staff chat %s refuses the bot (%s): check YIBANG_TELEGRAM_STAFF_CHAT_ID and that "
                      "the bot is a member of the group", item.target, exc)
            return RetryLater(_describe(exc))
        except TelegramError as exc:
            return _retry(exc)
        if item.kind in CARD_KINDS and item.case_id is not None and posted:
            first = posted[0]
            await asyncio.to_thread(remember_posted_card, self.services, item.case_id, CHANNEL,
                                    f"{first.chat_id}:{first.message_id}")
        return Sent()

    async def _report(self, item: OutboxItem) -> SendResult:
        image = Path(str(item.payload.get("image", "")))
        text = str(item.payload.get("text", ""))
        if not image.is_file():
            log.warning("the report chart %s is missing: the figures go as text", image)
            return await self._to_staff(item)
        held = self.held_back(item.target)
        if held is not None:
            return held
        fits = len(text) <= CAPTION_LIMIT
        try:
            bot = await self.current_bot()
            await bot.send_photo(chat_id=item.target, photo=image.read_bytes(), caption=text if fits else None)
        except (Forbidden, BadRequest) as exc:
            return RetryLater(_describe(exc)) if _chat_gone(exc) or isinstance(exc, Forbidden) else GiveUp(
                _describe(exc))
        except TelegramError as exc:
            return _retry(exc)
        return Sent() if fits else await self._to_staff(item)

    async def _edit_card(self, item: OutboxItem) -> SendResult:
        card = await asyncio.to_thread(staff_card, self.services, item.case_id) if item.case_id else None
        ref = card.posted.get(CHANNEL) if card is not None else None
        if card is None or not ref:
            # Not posted yet: the card is rendered when it goes, so it will show this state already.
            return Sent()
        chat_id, _, message_id = ref.rpartition(":")
        text, keyboard = card.text, card_keyboard(self.services.taxonomy.texts, card)
        held = self.held_back(chat_id)
        if held is not None:
            return held
        try:
            bot = await self.current_bot()
            # The keyboard is always sent: an edit without one takes the buttons off the card.
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=int(message_id),
                                        reply_markup=keyboard)
        except BadRequest as exc:
            wording = exc.message.lower()
            if "not modified" in wording:  # the card shows this already
                return Sent()
            if "message to edit not found" in wording:  # deleted in the group: post it again
                return await self._to_staff(item)
            return GiveUp(_describe(exc))
        except TelegramError as exc:
            return _retry(exc)
        return Sent()

    def retry(self, exc: TelegramError) -> RetryLater:
        return _retry(exc)

    def held_back(self, chat_id: str) -> RetryLater | None:
        wait = self.flood.delay(chat_id)
        if wait > WAIT_IN_LINE_SECONDS:
            # Whole seconds: rows held back together fall due together and keep their order.
            after = math.ceil(wait)
            return RetryLater(f"waiting {after} s for Telegram's rate limit", after=after)
        return None

    async def _post(self, chat_id: str, sends: list[dict[str, Any]]) -> list[Message]:
        bot = await self.current_bot()
        return [await bot.send_message(chat_id=chat_id, **kwargs) for kwargs in sends]

    async def current_bot(self) -> ExtBot[Any]:
        """PTB's HTTP connections belong to the event loop that opened them. The service has one loop;
        the terminal chat runs each delivery in a fresh one (asyncio.run), so the bot is made per loop."""
        loop = asyncio.get_running_loop()
        if self._bot is None or self._bot_loop is not loop:
            bot = self._make_bot()
            await bot.initialize()
            self._bot, self._bot_loop = bot, loop
        return self._bot

    async def _staff_message(self, item: OutboxItem) -> tuple[str, InlineKeyboardMarkup | None]:
        """A staff row as Telegram shows it: a case card with the buttons of the case as it is now, or a
        notice's plain text."""
        text, card = await asyncio.to_thread(message_for_staff, self.services, item)
        texts = self.services.taxonomy.texts
        alert = item.payload.get(DANGER_ALERT)
        if isinstance(alert, int):
            return text, danger_keyboard(texts, alert)
        return text, card_keyboard(texts, card) if card is not None else None


def _retry(exc: TelegramError) -> RetryLater:
    """429: wait as told, not counted as an attempt. A network error or anything else: back off and retry."""
    if isinstance(exc, RetryAfter):
        return RetryLater(f"Telegram flood control: {exc}", after=retry_after_seconds(exc))
    return RetryLater(_describe(exc))


def _describe(exc: TelegramError) -> str:
    """Telegram's own words: a 403 already starts with "Forbidden:"; PTB strips "Bad Request:"."""
    return str(exc) if isinstance(exc, Forbidden) else f"{type(exc).__name__}: {exc}"


def _chat_gone(exc: BadRequest) -> bool:
    return any(words in exc.message.lower() for words in CHAT_GONE)
