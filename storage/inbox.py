"""Seen platform messages: the first delivery is handled, every redelivery is recognised.

A message is known by (channel, sender, message id): platforms number messages per sender (WeChat's
MsgId), so another sender's message with the same id is another message, and never gets this one's answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.models import InboxMessage
from storage.prepared import execute, hot, prepared

inbox = InboxMessage.__table__
_SEEN = hot(select(inbox.c.replies_enc).where(
    inbox.c.channel == bindparam("channel"), inbox.c.user_key == bindparam("user_key"),
    inbox.c.message_id == bindparam("message_id"),
))


def _record(insert):
    return (
        insert(inbox)
        .values(
            channel=bindparam("channel"),
            user_key=bindparam("user_key"),
            message_id=bindparam("message_id"),
            received_at=bindparam("received_at", type_=inbox.c.received_at.type),
            replies_enc=bindparam("replies_enc"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "user_key", "message_id"])
        .returning(inbox.c.id)
    )


def record(session: Session, channel: str, user_key: str, message_id: str, at: datetime,
           replies_enc: str | None) -> bool:
    """Remember a handled message and the (encrypted) replies it got; False if it was already there."""
    params = {"channel": channel, "user_key": user_key, "message_id": message_id, "received_at": at,
              "replies_enc": replies_enc}
    return execute(session, prepared(session, "inbox.record", _record), params).scalar() is not None


def seen(session: Session, channel: str, user_key: str, message_id: str) -> tuple[bool, str | None]:
    """Whether the sender's message was handled before, and the encrypted replies it got then."""
    row = execute(session, _SEEN, {"channel": channel, "user_key": user_key, "message_id": message_id}).first()
    return (row is not None, row[0] if row is not None else None)
