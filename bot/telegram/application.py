"""The python-telegram-bot Application and Bot, built from the settings in one readable chain.

YIBANG_TELEGRAM_API_URL is the Bot API's base, with or without PTB's trailing "/bot" (PTB appends the
token to it): https://api.telegram.org, a private Bot API server, or a stand-in in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler

from bot.telegram.limits import FloodControl
from bot.telegram.ordering import PerChatOrder
from bot.telegram.render import bot_commands
from bot.telegram.staff_commands import staff_command_menu
from config import ConfigError, Settings
from config.texts import Texts

log = logging.getLogger(__name__)

# What Telegram sends us: citizens' messages, staff commands and replies, and the staff card's buttons.
ALLOWED_UPDATES = ["message", "edited_message", "my_chat_member", "callback_query"]
# Updates handled at once (each waits on the database in a worker thread).
CONCURRENT_UPDATES = 32

UpdateCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def api_urls(api_url: str) -> tuple[str, str]:
    """PTB's base_url and base_file_url: ".../bot" and ".../file/bot", the token appended by PTB."""
    root = api_url.rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def token(settings: Settings) -> str:
    if settings.telegram_token is None:
        raise ValueError("YIBANG_TELEGRAM_TOKEN is not set")
    return settings.telegram_token.get_secret_value()


def build_application(
    settings: Settings, flood: FloodControl, on_update: UpdateCallback, *, polling: bool
) -> Application[Any, Any, Any, Any, Any, Any]:
    """One handler for every update: the adapter parses and routes itself; dialogue state is in our
    database, so no ConversationHandler, no persistence, no job queue (our scheduler does the timers)."""
    base_url, base_file_url = api_urls(settings.telegram_api_url)
    builder = (
        Application.builder()
        .token(token(settings))
        .base_url(base_url)
        .base_file_url(base_file_url)
        .rate_limiter(flood)
        .concurrent_updates(PerChatOrder(CONCURRENT_UPDATES))
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.add_handler(TypeHandler(Update, on_update))
    return application


def make_bot(settings: Settings, flood: FloodControl) -> ExtBot[Any]:
    """A bot for the outbox sender, sharing the application's flood limits."""
    base_url, base_file_url = api_urls(settings.telegram_api_url)
    return ExtBot(token(settings), base_url=base_url, base_file_url=base_file_url, rate_limiter=flood)


async def register_commands(bot: Bot, texts: Texts, staff_chat_id: int | None) -> None:
    """The command menu of private chats, and the staff group's own (/queue, /case, /stats)."""
    await bot.set_my_commands(bot_commands(texts), scope=BotCommandScopeAllPrivateChats())
    if staff_chat_id is None:
        return
    try:
        await bot.set_my_commands(staff_command_menu(texts), scope=BotCommandScopeChat(staff_chat_id))
    except (BadRequest, Forbidden) as exc:
        # Citizens are served all the same; the staff cards' own delivery says what to fix.
        log.warning("no command menu for the staff group %s (is the bot a member?): %s", staff_chat_id, exc)


async def register_webhook(bot: Bot, settings: Settings) -> None:
    """Point Telegram at our /telegram route. Updates waiting meanwhile are kept, not dropped."""
    assert settings.telegram_webhook_url is not None and settings.telegram_webhook_secret is not None
    await bot.set_webhook(
        url=settings.telegram_webhook_url,
        secret_token=settings.telegram_webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )


async def register_bot(settings: Settings, texts: Texts) -> None:
    """`yibang telegram set-webhook`: the webhook and the command menu, once for the deployment."""
    try:
        async with make_bot(settings, FloodControl()) as bot:
            await register_commands(bot, texts, settings.telegram_staff_chat_id)
            await register_webhook(bot, settings)
    except TelegramError as exc:
        raise unusable_api(settings, exc) from None


def unusable_api(settings: Settings, exc: TelegramError) -> ConfigError:
    """What to tell the operator when the Bot API refuses us at start."""
    if isinstance(exc, InvalidToken):  # its own message repeats the token: not for the log
        problem = f"YIBANG_TELEGRAM_TOKEN: rejected by the Bot API at {settings.telegram_api_url}"
    else:
        problem = f"the Bot API at {settings.telegram_api_url} answered {type(exc).__name__}: {exc}"
    return ConfigError("the Telegram Bot API", [problem])
