"""Open311 as one more way in: its routes on the web app, and its one sender (a phone call for staff)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.dispatcher import Sender
from bot.open311.routes import Open311Api
from bot.open311.sender import PhoneCallSender
from handlers.open311.catalogue import catalogue
from handlers.open311.requests import CHANNEL
from handlers.services import Services


class Open311Channel:
    name = CHANNEL
    # City systems file citizens' requests here: a deployment with only Open311 still serves the web app.
    citizen_facing = True

    def __init__(self, services: Services):
        catalogue(services.taxonomy)  # a taxonomy without service codes stops start-up, saying so
        self.services = services

    def senders(self) -> list[Sender]:
        return [PhoneCallSender(self.services)]

    def routes(self) -> list[BaseRoute]:
        return list(Open311Api(self.services).routes())

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass
