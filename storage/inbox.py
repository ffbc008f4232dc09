"""Seen platform messages: the first delivery is handled, every redelivery is recognised (DESIGN §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialects import insert
from storage.models import InboxMessage


def record(session: Session, channel: str, message_id: str, at: datetime, replies: list[Any]) -> bool:
    """Remember a handled message and the replies it got; False if it was already there."""
    statement = (
        insert(session, InboxMessage)
        .values(channel=channel, message_id=message_id, received_at=at, replies=replies)
        .on_conflict_do_nothing(index_elements=["channel", "message_id"])
        .returning(InboxMessage.id)
    )
    return session.execute(statement).scalar() is not None


def replies_for(session: Session, channel: str, message_id: str) -> list[Any] | None:
    """The replies a handled message got (an empty list when it got none); None if never seen."""
    row = session.execute(
        select(InboxMessage.replies).where(InboxMessage.channel == channel, InboxMessage.message_id == message_id)
    ).first()
    if row is None:
        return None
    return row[0] or []
