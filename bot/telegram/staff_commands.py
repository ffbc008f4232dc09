"""The staff commands as Telegram has them: /queue, /case NUMBER and /stats read from a message, and the
staff group's command menu. What they answer, and to whom, is handlers.staff.views.answer_command."""

from __future__ import annotations

import re

from telegram import BotCommand

from config.texts import Texts
from handlers.staff.views import StaffCommand

# A command as Telegram clients send it: "/case", or "/case@bot_username" where several bots listen.
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]{1,32})(?:@(?P<bot>\w+))?(?:\s+(?P<argument>.*))?$", re.DOTALL)


def staff_command(text: str | None, bot_username: str | None) -> tuple[StaffCommand, str] | None:
    """(CASE, "ZZ20220110-0042") for "/case@yibang_bot ZZ20220110-0042"; None for anything that is not
    one of the staff commands addressed to this bot."""
    found = _COMMAND.match((text or "").strip())
    if found is None:
        return None
    addressee = found["bot"]
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    try:
        command = StaffCommand(found["name"].lower())
    except ValueError:
        return None
    return command, (found["argument"] or "").strip()


def staff_command_menu(texts: Texts) -> list[BotCommand]:
    """The staff group's command menu (setMyCommands for that chat)."""
    return [
        BotCommand(StaffCommand.QUEUE, texts.staff_command_queue),
        BotCommand(StaffCommand.CASE, texts.staff_command_case),
        BotCommand(StaffCommand.STATS, texts.staff_command_stats),
    ]
