"""Replies as Telegram messages: plain text, choices as a reply keyboard, the share-contact button.

No parse_mode, ever: whatever a citizen typed (`<b>`, `_x_`, `*`) comes back as they typed it, and a
name or problem text can never break a message's markup. Every sentence comes from the taxonomy.
"""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import MessageLimit

from config.texts import Texts
from handlers.messages import Reply

# Telegram counts a message's length in UTF-16 code units (an emoji is two).
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH

Markup = ReplyKeyboardMarkup | ReplyKeyboardRemove


def messages(reply: Reply, texts: Texts, *, clear_keyboard: bool) -> list[dict[str, Any]]:
    """sendMessage arguments for one reply: its text in parts that fit, the keyboard on the last part.

    `clear_keyboard` removes an earlier keyboard when the reply offers no choice (a direct answer);
    a later push leaves the citizen's keyboard as it is, since they may be half-way through a question.
    """
    parts = [part for part in split_text(reply.text) if part.strip()]
    if not parts:
        return []
    markup = reply_markup(reply, texts, clear_keyboard=clear_keyboard)
    sends: list[dict[str, Any]] = [{"text": part} for part in parts]
    if markup is not None:
        sends[-1]["reply_markup"] = markup
    return sends


def reply_markup(reply: Reply, texts: Texts, *, clear_keyboard: bool) -> Markup | None:
    rows: list[list[KeyboardButton]] = []
    if reply.request_contact:
        rows.append([KeyboardButton(texts.share_contact_button, request_contact=True)])
    rows.extend(_rows([choice.label for choice in reply.choices]))
    if rows:
        # one_time: the keyboard folds away after a tap; the next question brings its own.
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    return ReplyKeyboardRemove() if clear_keyboard else None


def _rows(labels: list[str]) -> list[list[KeyboardButton]]:
    """Short labels (districts) several to a row, long ones (补充到该求助) fewer, so none is cut off."""
    if not labels:
        return []
    longest = max(len(label) for label in labels)
    columns = 4 if longest <= 3 else 3 if longest <= 5 else 2 if longest <= 8 else 1
    buttons = [KeyboardButton(label) for label in labels]
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The text in parts of at most `limit` UTF-16 units, cut at line ends where possible, never lost."""
    if _units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while _units(line) > limit:
            head = _prefix(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = line[len(head):]
        if _units(current) + _units(line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [part.rstrip("\n") for part in parts]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def bot_commands(texts: Texts) -> list[BotCommand]:
    """The command menu (setMyCommands). The Chinese words (我要求助, 查看进度, 取消) work the same."""
    return [
        BotCommand("start", texts.telegram_command_start),
        BotCommand("help_request", texts.telegram_command_help_request),
        BotCommand("progress", texts.telegram_command_progress),
        BotCommand("cancel", texts.telegram_command_cancel),
    ]
