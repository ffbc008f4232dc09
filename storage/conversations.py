"""The conversation row: one per citizen per channel, locked for the length of a message's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storage.dialects import insert
from storage.models import Conversation

_LOCKED = (
    select(Conversation)
    .where(Conversation.channel == bindparam("channel"), Conversation.user_key == bindparam("user_key"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_conversation(session: Session, channel: str, user_key: str, chat_key: str, now: datetime) -> Conversation:
    """Fetch (creating if needed) and lock the citizen's conversation.

    The lock makes one citizen's messages run one after another even across worker processes, which is
    what the dialogue needs: two quick messages must not both read step "phone". A first message creates
    the row with INSERT … ON CONFLICT DO NOTHING, so two first messages at once do not collide.
    """
    key = {"channel": channel, "user_key": user_key}
    conversation = session.scalars(_LOCKED, key).one_or_none()
    if conversation is None:
        session.execute(
            insert(session, Conversation.__table__)
            .values(channel=channel, user_key=user_key, chat_key=chat_key, step="idle", version=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "user_key"])
        )
        conversation = session.scalars(_LOCKED, key).one()
    if conversation.chat_key != chat_key:
        conversation.chat_key = chat_key
    return conversation


def find_conversation(session: Session, channel: str, user_key: str) -> Conversation | None:
    return session.scalars(
        select(Conversation).where(Conversation.channel == channel, Conversation.user_key == user_key)
    ).one_or_none()
