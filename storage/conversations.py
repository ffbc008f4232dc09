"""The conversation row: one per citizen per channel, locked for the length of a message's transaction.

Every message reads and writes this row, so it is handled with plain Core statements and a small
dataclass rather than the ORM: on SQLite the ORM's bookkeeping costs more than the statements.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from storage.models import Conversation
from storage.prepared import execute, hot, prepared

table = Conversation.__table__


@dataclass
class ConversationState:
    """A locked conversation row; `save_conversation` writes back what changed."""

    id: int
    channel: str
    user_key: str
    chat_key: str
    step: str
    slots_enc: str | None
    version: int
    expires_at: datetime | None
    updated_at: datetime
    last_incoming_at: datetime | None
    contact_name_enc: str | None
    contact_phone_enc: str | None
    unreachable_at: datetime | None
    rate_tokens: float | None
    rate_at: datetime | None


_COLUMNS = [table.c[f.name] for f in fields(ConversationState)]
_WRITABLE = [f.name for f in fields(ConversationState) if f.name not in ("id", "channel", "user_key")]
_LOCKED = hot(
    select(*_COLUMNS)
    .where(table.c.channel == bindparam("channel"), table.c.user_key == bindparam("user_key"))
    .with_for_update()
)
_SAVE = hot(update(table).where(table.c.id == bindparam("row_id")).values(
    {name: bindparam(name, type_=table.c[name].type) for name in _WRITABLE}
))


def _create(insert):
    return (
        insert(table)
        .values(
            channel=bindparam("channel"),
            user_key=bindparam("user_key"),
            chat_key=bindparam("chat_key"),
            step="idle",
            version=0,
            updated_at=bindparam("now", type_=table.c.updated_at.type),
        )
        .on_conflict_do_nothing(index_elements=["channel", "user_key"])
    )


def lock_conversation(
    session: Session, channel: str, user_key: str, chat_key: str, now: datetime
) -> ConversationState:
    """Fetch (creating if needed) and lock the citizen's conversation.

    The lock makes one citizen's messages run one after another even across worker processes, which is
    what the dialogue needs: two quick messages must not both read step "phone". A first message creates
    the row with INSERT … ON CONFLICT DO NOTHING, so two first messages at once do not collide.
    """
    key = {"channel": channel, "user_key": user_key}
    row = execute(session, _LOCKED, key).first()
    if row is None:
        execute(session, prepared(session, "conversations.create", _create),
                        {**key, "chat_key": chat_key, "now": now})
        row = execute(session, _LOCKED, key).one()
    state = ConversationState(*row)
    state.chat_key = chat_key
    return state


def save_conversation(session: Session, state: ConversationState) -> None:
    execute(session, _SAVE, {"row_id": state.id, **{name: getattr(state, name) for name in _WRITABLE}})


def find_conversation(session: Session, channel: str, user_key: str) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(Conversation.channel == channel, Conversation.user_key == user_key)
    ).one_or_none()


def mark_unreachable(session: Session, channel: str, user_key: str, now: datetime) -> bool:
    """The platform refused to deliver to this citizen (they blocked the bot): later pushes are not tried.

    Their next message clears it (handlers.conversation.dialogue). False when there is no such conversation.
    """
    conversation = find_conversation(session, channel, user_key)
    if conversation is None:
        return False
    conversation.unreachable_at = now
    return True
