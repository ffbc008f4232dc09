"""Prompts waiting for a staff member's reply (回复, 办结, 合并, 无效, 重新办理), kept in the database.

The button press and the reply to its ForceReply prompt may reach different webhook workers minutes
apart, so what a prompt is for — which step, which case, whose reply counts, until when — is a shared
value keyed by the prompt's chat and message, never process memory. A used prompt is expired rather
than deleted, and expired ones are kept a day, so a late or second reply is told so instead of being
taken for chatter.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import SharedValue

PREFIX = "staff_prompt:"
KEEP_EXPIRED = timedelta(days=1)


@dataclass(frozen=True)
class Prompt:
    action: str
    number: str
    user_key: str  # only this staff member's reply is taken
    name: str


@dataclass(frozen=True)
class Waiting:
    prompt: Prompt
    live: bool  # False once answered or past its time


def prompt_key(chat_id: str, message_id: int) -> str:
    return f"{PREFIX}{chat_id}:{message_id}"


def open_prompt(session: Session, chat_id: str, message_id: int, prompt: Prompt, now: datetime,
                lifetime: timedelta) -> None:
    """Remember a prompt just sent; forget those expired for longer than a day."""
    forgotten = now - KEEP_EXPIRED
    session.execute(
        delete(SharedValue).where(SharedValue.name.startswith(PREFIX, autoescape=True),
                                  SharedValue.expires_at < forgotten)
    )
    session.add(SharedValue(name=prompt_key(chat_id, message_id), value=json.dumps(asdict(prompt)),
                            expires_at=now + lifetime, updated_at=now))


def waiting_prompt(session: Session, chat_id: str, message_id: int, now: datetime) -> Waiting | None:
    """The prompt this message is, locked until the transaction ends (so one reply uses it); None when the
    message is no prompt of ours."""
    row = session.scalars(
        select(SharedValue).where(SharedValue.name == prompt_key(chat_id, message_id)).with_for_update()
    ).one_or_none()
    if row is None or row.value is None:
        return None
    live = row.expires_at is not None and row.expires_at > now
    return Waiting(Prompt(**json.loads(row.value)), live)


def close_prompt(session: Session, chat_id: str, message_id: int, now: datetime) -> None:
    row = session.get(SharedValue, prompt_key(chat_id, message_id))
    if row is not None:
        row.expires_at = now
        row.updated_at = now
