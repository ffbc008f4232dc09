"""The WeChat official account as a channel: the /wechat callback and the customer-service sender."""

from __future__ import annotations

import logging

from starlette.routing import BaseRoute, Route

from bot.dispatcher import Sender
from bot.file_downloads import FileDownloads
from bot.wechat.access_token import SharedAccessToken
from bot.wechat.client import OfficialAccountClient
from bot.wechat.customer_service import CustomerServiceSender
from bot.wechat.envelope import Envelope
from bot.wechat.incoming import CHANNEL
from bot.wechat.late_reply import LateReplies
from bot.wechat.media import WeChatMedia
from bot.wechat.route import WeChatCallback
from handlers.attachments.records import FETCHERS
from handlers.services import Services

log = logging.getLogger(__name__)


class WeChatChannel:
    name = CHANNEL
    citizen_facing = True

    def __init__(self, services: Services):
        """Built when `settings.wechat_configured` (token and AppID set)."""
        settings = services.settings
        token = settings.wechat_token.get_secret_value() if settings.wechat_token else ""
        aes_key = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
        if settings.wechat_app_secret is None:
            log.warning("YIBANG_WECHAT_APP_SECRET is not set: passive replies work, pushes cannot be sent")
        self.services = services
        self.late_replies = LateReplies(services)
        envelope = Envelope(token, settings.wechat_app_id or "", aes_key, settings.wechat_max_age_seconds,
                            plain_too=settings.wechat_mode == "compatible")
        self.callback = WeChatCallback(services, envelope, self.late_replies)
        secret = settings.wechat_app_secret.get_secret_value() if settings.wechat_app_secret else ""
        self.client = OfficialAccountClient(
            settings.wechat_app_id or "", secret, settings.wechat_api_url, SharedAccessToken(services)
        )

    def senders(self) -> list[Sender]:
        return [CustomerServiceSender(self.services, self.client),
                FileDownloads(FETCHERS[CHANNEL], self.services, WeChatMedia(self.client))]

    def routes(self) -> list[BaseRoute]:
        return [Route("/wechat", self.callback.endpoint, methods=["GET", "POST"])]

    async def start(self) -> None:
        await self.late_replies.start()

    async def stop(self) -> None:
        await self.late_replies.stop()
