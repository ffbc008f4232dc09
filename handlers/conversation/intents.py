"""Commands the citizen may give at any step, in Chinese or English (我要求助 and /help_request alike).

They are recognised before slot filling, as Rasa forms check interruptions first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from config.taxonomy import Commands

CASE_NUMBER = re.compile(r"[A-Za-z]{1,6}\d{8}-\d{4,}")


class Intent(StrEnum):
    START = "start"
    PROGRESS = "progress"
    CANCEL = "cancel"
    BACK = "back"
    RESTART = "restart"
    WITHDRAW = "withdraw"
    HELP = "help"


@dataclass(frozen=True)
class Command:
    intent: Intent
    argument: str = ""


def _normalise(text: str) -> str:
    text = text.strip().lower()
    # Telegram group syntax: /progress@yibang_bot
    if text.startswith("/"):
        head, _, rest = text.partition(" ")
        text = (head.split("@", 1)[0] + " " + rest).strip()
    return text.rstrip("。.!！?？ ")


def recognise(text: str, commands: Commands) -> Command | None:
    """The command a message gives, with its argument (a case number), or None."""
    normalised = _normalise(text)
    if not normalised:
        return None
    for intent in Intent:
        for word in getattr(commands, intent.value):
            word = word.lower()
            if normalised == word:
                return Command(intent)
            if normalised.startswith(word):
                rest = normalised[len(word):].strip(" :：,，")
                if CASE_NUMBER.fullmatch(rest):
                    return Command(intent, rest.upper())
    return None


def is_greeting(text: str, commands: Commands) -> bool:
    normalised = _normalise(text)
    for word in sorted(commands.greetings, key=len, reverse=True):
        normalised = normalised.replace(word.lower(), "")
    return not any(ch.isalnum() for ch in normalised)
