"""The web console's rows: accounts (staff members on the channel `web`) and their login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import ConsoleSession, StaffMember

WEB = "web"


def web_member(session: Session, username: str, *, lock: bool = False) -> StaffMember | None:
    statement = select(StaffMember).where(StaffMember.channel == WEB, StaffMember.user_key == username)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def web_member_count(session: Session) -> int:
    return session.scalar(select(func.count(StaffMember.id)).where(StaffMember.channel == WEB)) or 0


def set_department(session: Session, username: str, department: str | None) -> None:
    session.execute(update(StaffMember).where(StaffMember.channel == WEB, StaffMember.user_key == username)
                    .values(department=department))


def add_session(session: Session, member_id: int, token_hash: str, csrf_token: str, now: datetime) -> None:
    session.add(ConsoleSession(token_hash=token_hash, member_id=member_id, csrf_token=csrf_token,
                               created_at=now, last_seen_at=now))


def find_session(session: Session, token_hash: str) -> ConsoleSession | None:
    return session.scalars(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash)).one_or_none()


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.execute(update(ConsoleSession).where(ConsoleSession.id == session_id).values(last_seen_at=now))


def end_session(session: Session, token_hash: str) -> bool:
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))
    return (result.rowcount or 0) > 0


def end_sessions_of(session: Session, member_id: int) -> int:
    """Every session of one person (a new password, a removal): they log in again."""
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.member_id == member_id))
    return result.rowcount or 0


def end_idle_sessions(session: Session, idle_since: datetime) -> int:
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen_at < idle_since))
    return result.rowcount or 0
