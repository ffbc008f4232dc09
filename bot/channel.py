"""What a platform adapter offers the application: senders for the outbox, web routes, start and stop.

Adapters stay thin (parse, call handlers, render, send); the application composes whichever are
configured, so adding a platform is one module and one line in bot/application.py.
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from bot.dispatcher import Sender


class Channel(Protocol):
    name: str
    # Citizens write here (Telegram, WeChat); a staff-only channel (the WeCom robot) is not.
    citizen_facing: bool

    def senders(self) -> list[Sender]:
        """Outbox senders this channel brings (citizen pushes, staff cards)."""
        ...

    def routes(self) -> list[BaseRoute]:
        """Web routes (webhooks); empty for a channel that polls."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
