"""The staff group's commands: /queue (open cases, urgent first, then by the nearest deadline), /case NUMBER
(the card and its timeline), /stats (today's figures).

They answer only staff (anyone in the staff group, or people configured as staff wherever they write);
anyone else, a citizen typing /queue in their private chat above all, is refused in words that reveal
nothing, and the refusal is logged.
"""

from __future__ import annotations

import re

from telegram import BotCommand

from bot.telegram.updates import CHANNEL
from config.texts import Texts
from handlers.services import Services
from handlers.staff.directory import authorise
from handlers.staff.views import case_text, queue_text, stats_text

QUEUE, CASE, STATS = "queue", "case", "stats"
STAFF_COMMANDS = (QUEUE, CASE, STATS)
# A command as Telegram clients send it: "/case", or "/case@bot_username" where several bots listen.
_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]{1,32})(?:@(?P<bot>\w+))?(?:\s+(?P<argument>.*))?$", re.DOTALL)


def staff_command(text: str | None, bot_username: str | None) -> tuple[str, str] | None:
    """("case", "ZZ20220110-0042") for "/case@yibang_bot ZZ20220110-0042"; None for anything that is not
    one of the staff commands addressed to this bot."""
    found = _COMMAND.match((text or "").strip())
    if found is None:
        return None
    addressee = found["bot"]
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    name = found["name"].lower()
    return (name, (found["argument"] or "").strip()) if name in STAFF_COMMANDS else None


def command_answer(services: Services, name: str, argument: str, *, user_key: str, chat_key: str,
                   display_name: str) -> str:
    """What the command says to this person in this chat; read in one go, nothing written."""
    texts = services.taxonomy.texts
    with services.db.reading() as session:
        actor = authorise(session, services, channel=CHANNEL, user_key=user_key, chat_key=chat_key,
                          name=display_name)
        if actor is None:
            return texts.staff_refused
        if name == QUEUE:
            return queue_text(session, services)
        if name == STATS:
            return stats_text(session, services, services.local(services.clock.now()).date())
        number = argument.split()[0] if argument else ""
        if not number:
            return texts.staff_case_usage
        found = case_text(session, services, number)
        # The number echoed back is cut to what a case number can be: the reply repeats nobody's text.
        return found if found is not None else texts.staff_unknown_case.format(number=number[:32])


def staff_command_menu(texts: Texts) -> list[BotCommand]:
    """The staff group's command menu (setMyCommands for that chat)."""
    return [
        BotCommand(QUEUE, texts.staff_command_queue),
        BotCommand(CASE, texts.staff_command_case),
        BotCommand(STATS, texts.staff_command_stats),
    ]
