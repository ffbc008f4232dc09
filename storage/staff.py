"""The staff list kept in the database (`yibang staff add`), beside the one in the settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import StaffMember
from storage.prepared import insert


def upsert_member(session: Session, channel: str, user_key: str, role: str, name: str | None, now: datetime,
                  department: str | None = None) -> None:
    """Add a person, or change the role, name and department of one already listed."""
    statement = insert(session, StaffMember.__table__).values(
        channel=channel, user_key=user_key, role=role, display_name=name, added_at=now, department=department
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["channel", "user_key"],
                                        set_={"role": role, "display_name": name, "department": department})
    )


def delete_member(session: Session, channel: str, user_key: str) -> bool:
    result = session.execute(
        delete(StaffMember).where(StaffMember.channel == channel, StaffMember.user_key == user_key)
    )
    return (result.rowcount or 0) > 0


def find_member(session: Session, channel: str, user_key: str) -> StaffMember | None:
    return session.scalars(
        select(StaffMember).where(StaffMember.channel == channel, StaffMember.user_key == user_key)
    ).one_or_none()


def all_members(session: Session) -> Sequence[StaffMember]:
    return session.scalars(select(StaffMember).order_by(StaffMember.id)).all()
