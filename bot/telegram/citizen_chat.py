"""Answering a citizen: handle the update in one transaction, then send the replies in order.

The replies go out only after handle() has committed, so "已受理，编号 …" is said of a committed case,
and they go from the chat's own queue, so the update (and a webhook request) never waits for Telegram's
per-chat limit. If Telegram cannot take a reply just then (429, a network error), the replies not yet
sent become an outbox row and the dispatcher delivers them: nothing acknowledged is lost. If handling itself fails
(the database is down), the citizen is told to try again, and the update still counts as received:
Telegram would otherwise redeliver it again and again while holding back the chat's later messages.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.runner import on_writer_thread
from bot.telegram.reply_queue import ChatReplies, Turn
from bot.telegram.updates import edited_citizen_message, incoming_from_update
from handlers.messages import Reply
from handlers.process import handle
from handlers.services import Services

log = logging.getLogger(__name__)


class CitizenChat:
    def __init__(self, services: Services):
        self.services = services
        self.texts = services.taxonomy.texts
        self.replies = ChatReplies(services, self.texts)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's callback for every update, polled or posted to the webhook: handled in order, its replies
        queued for the chat's own sender (bot/telegram/reply_queue.py), so the update ends at once."""
        bot = context.bot
        edited = edited_citizen_message(update)
        if edited is not None:
            # A side remark: the keyboard of the open question stays.
            await self.replies.put(Turn(bot, str(edited.chat.id), (Reply(self.texts.telegram_edit_ignored),),
                                        update.update_id, clear_keyboard=False))
            return
        incoming = incoming_from_update(update)
        if incoming is None:
            log.debug("update %s is not a citizen's message; ignored", update.update_id)
            return
        try:
            outcome = await on_writer_thread(self.services, handle, self.services, incoming)
        except Exception:
            log.exception("handling Telegram update %s failed; the citizen is asked to send again", update.update_id)
            await self.replies.put(Turn(bot, incoming.chat_key, (Reply(self.texts.telegram_busy),), update.update_id,
                                        clear_keyboard=False, defer_on_failure=False))
            return
        if outcome.duplicate:  # a redelivery: answered the first time
            return
        await self.replies.put(Turn(bot, incoming.chat_key, tuple(outcome.replies), update.update_id),
                               slow_down=outcome.rate_limited)
