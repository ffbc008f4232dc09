"""A department's Telegram chat: the case handed over (交办) or chased (催办), with a 签收 button under it.

The bot is a member of the department's group (`yibang department set NAME --telegram-chat ID`); the
handover is rendered when it is sent, and skipped when the department no longer holds the case. Pressing
签收 there accepts the case for the department (bot/telegram/staff_group.py), and the button goes away.
The group refusing (the bot removed, a wrong id) is a setting to fix, so those rows retry until the
dispatcher gives up and marks them for a person.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.dispatcher import SendResult, Sent
from bot.telegram.render import messages
from bot.telegram.staff_attachments import group_refused
from bot.telegram.staff_card import callback_data
from handlers.delivery.outbox import OutboxItem
from handlers.departments.contacts import TELEGRAM
from handlers.departments.handover import handover_message
from handlers.messages import Reply

if TYPE_CHECKING:
    from bot.telegram.sender import TelegramSender

# The 签收 button's action in its callback data ("yb:accept:<number>", bot/telegram/staff_card.py's shape).
ACCEPT = "accept"


async def send_handover(sender: TelegramSender, item: OutboxItem) -> SendResult:
    services = sender.services
    handover = await asyncio.to_thread(handover_message, services, item.payload, item.case_id, TELEGRAM)
    if handover is None:
        return Sent()  # handed back or given to another department meanwhile
    held = sender.held_back(item.target)
    if held is not None:
        return held
    texts = services.taxonomy.texts
    sends = messages(Reply(handover.text), texts, clear_keyboard=False)
    sends[-1]["reply_markup"] = accept_keyboard(texts.departments.button_accept, handover.number)
    try:
        bot = await sender.current_bot()
        for kwargs in sends:
            await bot.send_message(chat_id=item.target, **kwargs)
    except (Forbidden, BadRequest) as exc:
        return group_refused(exc)
    except TelegramError as exc:
        return sender.retry(exc)
    return Sent()


def accept_keyboard(label: str, number: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=callback_data(ACCEPT, number))]])
