"""The WeCom group robot as a staff-only channel: no routes, one sender."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.dispatcher import Sender
from bot.wecom.robot import CHANNEL, RobotSender
from handlers.services import Services


class WeComChannel:
    name = CHANNEL
    citizen_facing = False

    def __init__(self, services: Services):
        """Built when `settings.wecom_configured` (a webhook URL is set)."""
        url = services.settings.wecom_webhook_url
        self.sender = RobotSender(services, url.get_secret_value() if url else "")

    def senders(self) -> list[Sender]:
        return [self.sender]

    def routes(self) -> list[BaseRoute]:
        return []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
