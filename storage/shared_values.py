"""Small values every process shares (a platform access token), read freely and changed under a row lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SharedValue
from storage.prepared import insert


def read_shared_value(session: Session, name: str) -> SharedValue | None:
    return session.get(SharedValue, name)


def lock_shared_value(session: Session, name: str, now: datetime) -> SharedValue:
    """Fetch (creating if needed) and lock the named row until the transaction ends.

    PostgreSQL holds the row lock (FOR UPDATE) across processes; SQLite's write transaction
    (BEGIN IMMEDIATE) already lets one writer in at a time. A process that waited finds the value the
    first one wrote.
    """
    session.execute(
        insert(session, SharedValue.__table__)
        .values(name=name, value=None, expires_at=None, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(
        select(SharedValue)
        .where(SharedValue.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
