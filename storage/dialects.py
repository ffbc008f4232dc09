"""The few statements that differ between SQLite and PostgreSQL (INSERT … ON CONFLICT), built once.

Building a SQLAlchemy statement costs more than running it on SQLite; the hot-path statements are
therefore built once per dialect with bind parameters and reused (`prepared`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_PREPARED: dict[tuple[str, str], Any] = {}


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert(session: Session, table: Any):
    """`INSERT` with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for the session's database."""
    return _INSERTS[dialect_of(session)](table)


def core(session: Session, statement: Any, params: Any = None):
    """Run a Core statement on the session's connection, past the ORM's per-statement machinery.

    The hot path (every message) runs a handful of prepared statements; through `Session.execute` each
    costs several times what SQLite takes to run it. Pending ORM changes are flushed first, so the
    statement sees them as it would through the session.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)


def prepared(session: Session, name: str, build: Callable[[Callable[[Any], Any]], Any]) -> Any:
    """The statement `name` for this session's dialect, built once by `build(insert_function)`."""
    dialect = dialect_of(session)
    key = (dialect, name)
    statement = _PREPARED.get(key)
    if statement is None:
        statement = _PREPARED[key] = build(_INSERTS[dialect])
    return statement
