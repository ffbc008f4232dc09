"""The wiring: from settings to the parts that run (DESIGN §10). Reading this file tells what runs.

`yibang run` is the whole service in one process; with no platform configured it opens the terminal
chat on the embedded SQLite store.
"""

from __future__ import annotations

import sys

from bot.console import ConsoleChat, prompt_lines
from bot.dispatcher import Dispatcher, LogSender, Sender
from handlers.services import Services


def staff_senders(services: Services) -> list[Sender]:
    """The senders every process has: the log (staff notices when no staff chat is configured)."""
    return [LogSender(services)]


def run_console(services: Services, user: str) -> None:
    dispatcher = Dispatcher(services, staff_senders(services))
    chat = ConsoleChat(services, user, sys.stdout, dispatcher)
    interactive = sys.stdin.isatty()
    lines = prompt_lines(sys.stdin, "> ") if interactive else sys.stdin
    chat.run(lines, interactive=interactive)


def run_service(services: Services) -> None:
    run_console(services, "local")
