"""Prepared statements: compiled once per dialect by SQLAlchemy, run straight on the DBAPI cursor.

Also the few statements that differ between SQLite and PostgreSQL (INSERT … ON CONFLICT), built once.

Every message runs the same handful of statements (lock the conversation, check the inbox, save, record).
Through SQLAlchemy each costs several times what SQLite takes to run it: building, caching and the
execution context's bookkeeping, per statement. The statements marked `hot` are therefore compiled once
per dialect by SQLAlchemy itself — its SQL, its parameter order, its type conversions both ways — and then
run straight on the transaction's DBAPI cursor. Anything the plan cannot reproduce exactly (Python-side
column defaults, expanding IN lists, several parameter sets) goes the ordinary way.

This reads compiled statements' internals (`positiontup`, `escaped_bind_names`, the prefetch lists),
which is why pyproject.toml keeps SQLAlchemy below its next minor version.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_PREPARED: dict[tuple[str, str], Any] = {}
# Statements that live as long as the process (module constants, `prepared`), by id; kept alive here so an
# id is never reused by another statement while it is a key.
_HOT: dict[int, Any] = {}
_PLANS: dict[tuple[str, int, tuple[str, ...]], _Plan | None] = {}
_CONNECTION_KEY = "yibang.connection"


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert(session: Session, table: Any):
    """`INSERT` with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for the session's database."""
    return _INSERTS[dialect_of(session)](table)


def with_defaults(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the table's Python-side column defaults filled in for the columns not given.

    A `hot` statement runs past SQLAlchemy's execution, which is where those defaults are applied; an
    INSERT that relies on them gets them here instead, from the model itself, so no caller spells them out.
    """
    filled = dict(values)
    for column in table.columns:
        default = column.default
        if column.key in filled or default is None or default.is_sequence or default.is_clause_element:
            continue
        filled[column.key] = default.arg(None) if default.is_callable else default.arg
    return filled


def hot(statement: Any) -> Any:
    """Mark a long-lived statement for the hot path (see the module's docstring); returns it."""
    _HOT[id(statement)] = statement
    return statement


def prepared(session: Session, name: str, build: Callable[[Callable[[Any], Any]], Any]) -> Any:
    """The statement `name` for this session's dialect, built once by `build(insert_function)`."""
    dialect = dialect_of(session)
    key = (dialect, name)
    statement = _PREPARED.get(key)
    if statement is None:
        statement = _PREPARED[key] = hot(build(_INSERTS[dialect]))
    return statement


def execute(session: Session, statement: Any, params: Any = None):
    """Run a Core statement in the session's transaction, past the ORM's per-statement machinery.

    Pending ORM changes are flushed first, so the statement sees them as it would through the session.
    A `hot` statement with one set of parameters runs on the DBAPI cursor (`_Plan`); any other through
    the session's connection.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    if id(statement) in _HOT and (params is None or isinstance(params, dict)):
        params = params or {}
        dialect, dbapi_connection = _transaction_connection(session)
        key = (dialect.name, id(statement), tuple(sorted(params)))
        plan = _PLANS.get(key, False)
        if plan is False:
            plan = _PLANS[key] = _Plan.of(statement, dialect, list(params))
        if plan is not None:
            return plan.run(dbapi_connection, params)
    return session.connection().execute(statement, params)


def _transaction_connection(session: Session) -> tuple[Dialect, Any]:
    """The dialect and DBAPI connection of the session's current transaction (asking the session each
    time costs more than a statement)."""
    transaction = session.get_transaction()
    cached = session.info.get(_CONNECTION_KEY)
    if cached is None or cached[0] is not transaction:
        connection = session.connection()  # begins the transaction when none has begun yet
        cached = session.info[_CONNECTION_KEY] = (
            session.get_transaction(), connection.dialect, connection.connection.dbapi_connection
        )
    return cached[1], cached[2]


class _Rows:
    """What callers take from a result: `first()`, `scalar()`, `scalar_one()`, rows by name or position."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple]):
        self._rows = rows

    def first(self):
        return self._rows[0] if self._rows else None

    def scalar(self):
        return self._rows[0][0] if self._rows else None

    def scalar_one(self):
        return self.one()[0]

    def one(self):
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def __iter__(self):
        return iter(self._rows)


class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    def __init__(self, compiled, dialect: Dialect, columns: list[tuple[str, Any]]):
        self.sql = compiled.string
        self.compiled = compiled
        self.positional = compiled.positiontup if dialect.positional else None
        # Parameter names as SQLAlchemy keeps them; renamed on the way out where the SQL quotes them.
        self.escaped = compiled.escaped_bind_names or None
        self.binds = [
            (name, processor)
            for bind, name in compiled.bind_names.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        self.row = namedtuple("Row", [name for name, _ in columns], rename=True) if columns else None  # noqa: PYI024
        self.dialect = dialect
        self.types = [type_ for _, type_ in columns]
        # Result conversions depend on the driver's type codes, known after the first run.
        self.results: list[tuple[int, Callable[[Any], Any]]] | None = None

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, keys: list[str]) -> _Plan | None:
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.schema_translate_map
        ):
            return None  # Python-side defaults or expanding parameters: SQLAlchemy's own path
        # A SELECT's columns, or an INSERT/UPDATE's RETURNING ones (none: nothing to fetch).
        columns = [(str(column.key), column.type) for column in statement.exported_columns]
        return cls(compiled, dialect, columns)

    def _result_processors(self, description) -> list[tuple[int, Callable[[Any], Any]]]:
        return [
            (index, processor)
            for index, type_ in enumerate(self.types)
            if (processor := type_.dialect_impl(self.dialect).result_processor(self.dialect, description[index][1]))
            is not None
        ]

    def run(self, dbapi_connection, params: dict[str, Any]) -> _Rows:
        values = self.compiled.construct_params(params, escape_names=False)
        for name, processor in self.binds:
            values[name] = processor(values[name])
        if self.positional is not None:
            arguments: Any = tuple(values[name] for name in self.positional)
        elif self.escaped:
            arguments = {self.escaped.get(name, name): value for name, value in values.items()}
        else:
            arguments = values
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            if self.row is None:
                return _Rows([])
            fetched = cursor.fetchall()
            if self.results is None:
                self.results = self._result_processors(cursor.description)
        finally:
            cursor.close()
        if self.results:
            rows = []
            for raw in fetched:
                row = list(raw)
                for index, processor in self.results:
                    row[index] = processor(row[index])
                rows.append(self.row._make(row))
            return _Rows(rows)
        return _Rows([self.row._make(raw) for raw in fetched])
