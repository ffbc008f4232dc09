"""Departments' contact points (`yibang department set`): where each department is reached, sealed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import DepartmentContact
from storage.prepared import insert


def upsert_contact(session: Session, department: str, channel: str, *, address_enc: str, address_index: str,
                   shown: str, now: datetime) -> None:
    """A department's contact point on a channel, replacing the one it had there."""
    values = {"address_enc": address_enc, "address_index": address_index, "shown": shown, "updated_at": now}
    statement = insert(session, DepartmentContact.__table__).values(department=department, channel=channel, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["department", "channel"], set_=values))


def delete_contact(session: Session, department: str, channel: str) -> bool:
    result = session.execute(
        delete(DepartmentContact).where(DepartmentContact.department == department,
                                        DepartmentContact.channel == channel)
    )
    return (result.rowcount or 0) > 0


def contacts_of(session: Session, department: str) -> Sequence[DepartmentContact]:
    return session.scalars(
        select(DepartmentContact).where(DepartmentContact.department == department).order_by(DepartmentContact.id)
    ).all()


def contact_on(session: Session, department: str, channel: str) -> DepartmentContact | None:
    return session.scalars(
        select(DepartmentContact).where(DepartmentContact.department == department,
                                        DepartmentContact.channel == channel)
    ).one_or_none()


def all_contacts(session: Session) -> Sequence[DepartmentContact]:
    return session.scalars(select(DepartmentContact).order_by(DepartmentContact.department, DepartmentContact.id)).all()


def departments_at(session: Session, channel: str, address_index: str) -> list[str]:
    """The departments reached at this address (a Telegram chat two departments share names both)."""
    return list(session.scalars(
        select(DepartmentContact.department).where(DepartmentContact.channel == channel,
                                                   DepartmentContact.address_index == address_index)
    ))
