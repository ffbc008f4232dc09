"""Answering a citizen: handle the update in one transaction, then send the replies in order.

The replies go out only after handle() has committed, so "已受理，编号 …" is said of a committed case.
If Telegram cannot take a reply just then (429, a network error), the replies not yet sent become an
outbox row and the dispatcher delivers them: nothing acknowledged is lost. If handling itself fails
(the database is down), the citizen is told to try again, and the update still counts as received:
Telegram would otherwise redeliver it again and again while holding back the chat's later messages.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.runner import on_writer_thread
from bot.telegram.render import messages
from bot.telegram.updates import CHANNEL, edited_citizen_message, incoming_from_update
from handlers.delivery import reachability
from handlers.delivery.outbox import queue_replies
from handlers.messages import Reply
from handlers.process import handle
from handlers.services import Services

log = logging.getLogger(__name__)


class CitizenChat:
    def __init__(self, services: Services):
        self.services = services
        self.texts = services.taxonomy.texts

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's callback for every update, polled or posted to the webhook."""
        bot = context.bot
        edited = edited_citizen_message(update)
        if edited is not None:
            # A side remark: the keyboard of the open question stays.
            await self.send(bot, str(edited.chat.id), [Reply(self.texts.telegram_edit_ignored)], update.update_id,
                            clear_keyboard=False)
            return
        incoming = incoming_from_update(update)
        if incoming is None:
            log.debug("update %s is not a citizen's message; ignored", update.update_id)
            return
        try:
            outcome = await on_writer_thread(self.services, handle, self.services, incoming)
        except Exception:
            log.exception("handling Telegram update %s failed; the citizen is asked to send again", update.update_id)
            await self.send(bot, incoming.chat_key, [Reply(self.texts.telegram_busy)], update.update_id,
                            clear_keyboard=False, defer_on_failure=False)
            return
        if outcome.duplicate:  # a redelivery: answered the first time
            return
        await self.send(bot, incoming.chat_key, outcome.replies, update.update_id)

    async def send(self, bot: Bot, chat_key: str, replies: list[Reply], update_id: int, *,
                   clear_keyboard: bool = True, defer_on_failure: bool = True) -> None:
        """The replies in order. A reply without choices clears the keyboard of the question before it."""
        for index, reply in enumerate(replies):
            try:
                for kwargs in messages(reply, self.texts, clear_keyboard=clear_keyboard):
                    await bot.send_message(chat_id=chat_key, **kwargs)
            except Forbidden:
                log.info("Telegram chat %s blocked the bot before its answer", chat_key)
                # In a private chat the chat id is the user's id, which is the conversation's user_key.
                await asyncio.to_thread(reachability.gone, self.services, CHANNEL, chat_key)
                return
            except BadRequest as exc:  # this reply can never go (a subclass of NetworkError: checked first)
                log.error("Telegram refused a reply to chat %s: %s", chat_key, exc)
            except (RetryAfter, NetworkError) as exc:
                log.warning("reply to Telegram chat %s not sent now (%s)", chat_key, exc)
                if defer_on_failure:
                    await asyncio.to_thread(self._defer, chat_key, replies[index:], update_id)
                return
            except TelegramError as exc:
                log.error("reply to Telegram chat %s failed: %s", chat_key, exc)
                return

    def _defer(self, chat_key: str, replies: list[Reply], update_id: int) -> None:
        """The replies not sent, as one outbox row: their texts in order, the last one's keyboard."""
        queue_replies(self.services, CHANNEL, chat_key, replies, dedupe_key=f"telegram-reply:{update_id}")
