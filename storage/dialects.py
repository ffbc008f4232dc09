"""The few statements that differ between SQLite and PostgreSQL: INSERT … ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert(session: Session, table: Any):
    """`INSERT` with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
