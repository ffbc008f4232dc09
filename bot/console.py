"""The terminal chat: one citizen talking to yibang, for a newcomer's first try and for scripts.

Interactive, it greets and prompts; with piped stdin it reads line by line and exits at the end, so a
script can drive a whole dialogue. Choices print as numbered lines ("回复 1 选择 金水区"), as on WeChat.
Pushes for this citizen (progress updates made by staff meanwhile) print before the next answer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import TextIO

from bot.dispatcher import Dispatcher
from handlers.delivery.outbox import take_pushes
from handlers.messages import Incoming, IncomingKind
from handlers.process import handle
from handlers.services import Services
from handlers.wording import numbered

CHANNEL = "console"


class ConsoleChat:
    def __init__(self, services: Services, user: str, out: TextIO, dispatcher: Dispatcher | None = None):
        self.services = services
        self.user = user
        self.out = out
        self.dispatcher = dispatcher

    def say(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()

    def send(self, line: str) -> None:
        incoming = Incoming(
            channel=CHANNEL,
            user_key=self.user,
            chat_key=self.user,
            message_id=uuid.uuid4().hex,
            kind=IncomingKind.TEXT,
            at=self.services.clock.now(),
            text=line,
        )
        outcome = handle(self.services, incoming)
        for reply in outcome.replies:
            self.say(numbered(self.services.taxonomy, reply))
        self.deliver_pushes()
        if self.dispatcher is not None:
            asyncio.run(self.dispatcher.run_once())

    def deliver_pushes(self) -> None:
        """Print what was queued for this citizen (staff updates, revisits) and mark it sent."""
        for reply in take_pushes(self.services, CHANNEL, self.user):
            self.say(numbered(self.services.taxonomy, reply))

    def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        if interactive:
            self.say(self.services.taxonomy.texts.welcome.format(platform=self.services.taxonomy.platform))
        self.deliver_pushes()
        for line in lines:
            self.send(line.rstrip("\r\n"))


def prompt_lines(stdin: TextIO, prompt: str) -> Iterable[str]:
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return
