"""The command centre (指挥部): a Telegram chat, apart from the staff group, that hears of every overdue
case and gets the daily report. Optional (YIBANG_COMMAND_CENTRE_CHAT_ID)."""

from __future__ import annotations

from handlers.services import Services, StaffDestination


def command_centre(services: Services) -> StaffDestination | None:
    chat_id = services.settings.command_centre_chat_id
    return None if chat_id is None else StaffDestination("telegram", str(chat_id))
