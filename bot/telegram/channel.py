"""The Telegram channel as bot/application.py sees it: senders for the outbox, the webhook route, start, stop.

Which way updates come in follows the settings: with YIBANG_TELEGRAM_WEBHOOK_URL, Telegram posts to
/telegram; without it, the process polls (getUpdates). Only one process may poll a bot, and the webhook
and command menu are registered once: that is the `leader` (the single-process `run` or `serve`), not
each of several web workers. The outbox sender works in any process, started or not.
"""

from __future__ import annotations

import logging

from starlette.routing import BaseRoute
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.dispatcher import Sender
from bot.file_downloads import FileDownloads
from bot.telegram.application import (
    ALLOWED_UPDATES,
    build_application,
    make_bot,
    register_commands,
    register_webhook,
    unusable_api,
)
from bot.telegram.citizen_chat import CitizenChat
from bot.telegram.files import TelegramFiles
from bot.telegram.limits import FloodControl
from bot.telegram.sender import TelegramSender
from bot.telegram.staff_group import StaffGroup, is_staff_update
from bot.telegram.updates import CHANNEL
from bot.telegram.webhook import webhook_route
from handlers.attachments.records import FETCHERS
from handlers.services import Services

log = logging.getLogger(__name__)


class TelegramChannel:
    name = CHANNEL
    citizen_facing = True

    def __init__(self, services: Services, *, leader: bool = True, flood: FloodControl | None = None):
        settings = services.settings
        self.services = services
        self.leader = leader
        self.webhook = settings.telegram_webhook_url is not None
        # Shared by the direct replies and the outbox sender; tests give one whose clock they move.
        self.flood = flood or FloodControl()
        self.chat = CitizenChat(services)
        self.staff = StaffGroup(services, self.flood)
        self.application = build_application(settings, self.flood, self.on_update, polling=not self.webhook)
        self.sender = TelegramSender(services, lambda: make_bot(settings, self.flood), self.flood)
        # citizens' photos and files, fetched with the sender's bot
        self.files = FileDownloads(FETCHERS[CHANNEL], services, TelegramFiles(self.sender.current_bot))

    def senders(self) -> list[Sender]:
        return [self.sender, self.files]

    def routes(self) -> list[BaseRoute]:
        if not self.webhook:
            return []
        secret = self.services.settings.telegram_webhook_secret
        assert secret is not None  # the settings refuse a webhook URL without a secret
        return [webhook_route(secret.get_secret_value(), lambda: self.application.bot, self.process_update)]

    async def start(self) -> None:
        application = self.application
        settings = self.services.settings
        try:
            await application.initialize()  # getMe: a wrong token or API URL stops here
            if self.leader:
                await register_commands(application.bot, self.services.taxonomy.texts, settings.telegram_staff_chat_id)
                if self.webhook:
                    await register_webhook(application.bot, settings)
            await application.start()
            if not self.webhook and self.leader:
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        except TelegramError as exc:
            raise unusable_api(settings, exc) from None
        mode = "webhook" if self.webhook else "polling" if self.leader else "sending only (another process polls)"
        log.info("Telegram bot @%s: %s", application.bot.username, mode)

    async def stop(self) -> None:
        await self.chat.replies.close()
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await self.sender.close()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update, polled or posted: staff work to the staff group's handling, the rest to citizens."""
        if is_staff_update(update, context.bot.username):
            await self.staff.on_update(update, context)
        else:
            await self.chat.on_update(update, context)

    async def process_update(self, update: Update) -> None:
        """A webhook update, in the same per-chat order and concurrency bound as polled ones."""
        application = self.application
        await application.update_processor.process_update(update, application.process_update(update))
