"""The command centre (指挥部): a Telegram chat, apart from the staff group, that hears of every overdue
case and gets the daily report. Optional (YIBANG_COMMAND_CENTRE_CHAT_ID)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers.delivery import payloads
from handlers.services import Services, StaffDestination
from storage import outbox


def command_centre(services: Services) -> StaffDestination | None:
    chat_id = services.settings.command_centre_chat_id
    return None if chat_id is None else StaffDestination("telegram", str(chat_id))


def tell_command_centre(session: Session, services: Services, text: str, *, dedupe_key: str, now: datetime,
                        case_id: int, urgent: bool) -> None:
    """An escalation for the command centre too, when there is one."""
    destination = command_centre(services)
    if destination is None:
        return
    outbox.enqueue(session, channel=destination.channel, target=destination.target,
                   payload=payloads.staff_text(text), dedupe_key=f"{dedupe_key}:command-centre",
                   now=now, case_id=case_id, urgent=urgent)
