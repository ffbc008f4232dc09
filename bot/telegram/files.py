"""Telegram's side of fetching a citizen's photo or file: getFile, then the file's own URL.

The Bot API gives bots files up to 20 MB (larger ones: 400 "file is too big"); getFile says the size
before anything is downloaded, so a file over YIBANG_MEDIA_MAX_BYTES is refused without fetching it.
A file id stays valid for the bot, so a failing fetch can be retried much later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.file_downloads import FetchFailed, FileGone, FileTooLarge
from bot.telegram.limits import retry_after_seconds

# A large photo over a slow link takes a while; PTB's default read timeout (5 s) is for API calls.
DOWNLOAD_TIMEOUT_SECONDS = 120


class TelegramFiles:
    def __init__(self, bot: Callable[[], Awaitable[ExtBot[Any]]]):
        self._bot = bot

    async def fetch(self, file_ref: str, max_bytes: int) -> bytes:
        bot = await self._bot()
        try:
            found = await bot.get_file(file_ref)
            if found.file_size and found.file_size > max_bytes:
                raise FileTooLarge(f"{found.file_size} bytes")
            data = await found.download_as_bytearray(read_timeout=DOWNLOAD_TIMEOUT_SECONDS)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooLarge(exc.message) from None
            raise FileGone(f"Telegram: {exc.message}") from None
        except RetryAfter as exc:
            raise FetchFailed(f"Telegram flood control: {exc}", after=retry_after_seconds(exc)) from None
        except TelegramError as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}") from None
        if len(data) > max_bytes:
            raise FileTooLarge(f"{len(data)} bytes")
        return bytes(data)
