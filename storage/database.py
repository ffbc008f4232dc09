"""Engine, transactions and migrations for SQLite (embedded) and PostgreSQL (production).

Each handled message is one transaction. On SQLite a write transaction starts with
BEGIN IMMEDIATE so two writers queue on the busy timeout instead of failing on a lock upgrade later;
on PostgreSQL row locks (`FOR UPDATE`) serialise one citizen's messages across worker processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant; all processes agree on it so only one migrates at a time.
MIGRATION_LOCK_ID = 0x79_69_62_61
# How long a SQLite writer waits for another before giving up (also SQLite's own busy timeout).
SQLITE_BUSY_SECONDS = 30

# How long an impatient SQLite writer waits for the write lock before giving up (`Database.impatient`).
IMPATIENT_SECONDS = 0.05

# How many transactions of ours this thread is inside (a reading inside a write counts twice).
_open = threading.local()
# This thread's next write transaction may wait this long for SQLite's lock (`Database.impatient`).
_patience = threading.local()


class WriterBusy(Exception):
    """SQLite's write lock is held by another writer, and the caller asked not to wait for it."""


def _next_write_patience() -> float | None:
    return getattr(_patience, "seconds", None)


def in_transaction() -> bool:
    """Whether this thread is inside a transaction of ours.

    Nothing may wait on the network there: on SQLite every other writer waits with it, on PostgreSQL its
    row locks and its pooled connection are held the while. The tests refuse any socket use while this is
    true, so a network call that creeps into a transaction fails the suite.
    """
    return getattr(_open, "depth", 0) > 0


@contextlib.contextmanager
def _counted() -> Iterator[None]:
    _open.depth = getattr(_open, "depth", 0) + 1
    try:
        yield
    finally:
        _open.depth -= 1


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted personal data is overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Straight to the driver: this runs for every message, and SQLAlchemy's statement path costs more.
        dbapi = connection.connection.dbapi_connection
        if connection.get_execution_options().get("yibang_read_only"):
            dbapi.execute("BEGIN")
            return
        # An impatient write waits a moment for the lock; the rest of the work, once it has begun, waits
        # as long as any writer (so a work of several transactions never fails half-way for it).
        patience = _next_write_patience()
        _patience.seconds = None
        wait_ms = int((SQLITE_BUSY_SECONDS if patience is None else patience) * 1000)
        info = connection.connection.info
        if info.get("busy_ms") != wait_ms:
            dbapi.execute(f"PRAGMA busy_timeout={wait_ms}")
            info["busy_ms"] = wait_ms
        try:
            dbapi.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if patience is not None and "locked" in str(exc):
                raise WriterBusy("another process holds SQLite's write lock") from None
            raise


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*["\']?([\w]+|None)["\']?', re.MULTILINE)


_AFTER_COMMIT = "yibang_after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction (a `Database.transaction()`) has committed.

    For what must only count what really happened, such as metrics; never for anything that must not be
    lost (that is a row in the transaction itself). A rolled-back transaction runs none.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def _run_after_commit(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the transaction is committed; a counter must not turn it into an error
            log.exception("an after-commit callback failed")


def head_revision() -> str:
    """The newest migration's revision, read from the version files (the one no other revises)."""
    revisions, revised = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((key, value) for key, value in _REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            if found.get("down_revision") not in (None, "None"):
                revised.add(found["down_revision"])
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


class Database:
    """One engine per process; `transaction()` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 4):
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                self.url, echo=echo, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(
                self.url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
            )
        self.pool_size = 1 if self.is_sqlite else pool_size
        # SQLite: message transactions run on the caller's thread (bot/runner.py says why).
        self.inline_writes = self.is_sqlite
        self._read_engine = self.engine.execution_options(yibang_read_only=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: one write connection kept open (see `transaction`); the engine's pool is for the rest.
        self._writer: Connection | None = None
        self._writer_lock = threading.Lock()
        self._writer_owner: int | None = None
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @cached_property
    def writers(self) -> ThreadPoolExecutor:
        """Threads for message transactions, as many as can write at once.

        SQLite lets one writer in at a time; more threads would only wait on its lock (and SQLite's busy
        handler sleeps while it waits, which is where latency goes). PostgreSQL takes one per pooled
        connection.
        """
        return ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="yibang-db")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception.

        On SQLite the session runs inside a transaction of one write connection kept open, taken in turn
        under a lock: SQLite lets one writer in at a time anyway (BEGIN IMMEDIATE), and taking a
        connection from the pool and giving it back (with its reset) for every message cost half again
        what the message's statements take. PostgreSQL keeps the pool, which also replaces connections
        the server dropped, and runs many writers at once.
        """
        callbacks: list[Callable[[], None]] = []
        if not self.is_sqlite:
            with _counted(), self._sessions() as session, session.begin():
                session.info[_AFTER_COMMIT] = callbacks
                yield session
            _run_after_commit(callbacks)
            return
        with _counted(), self._sqlite_writer() as connection, connection.begin():
            session = Session(bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only")
            session.info[_AFTER_COMMIT] = callbacks
            try:
                yield session
                session.flush()
            finally:
                session.close()
        _run_after_commit(callbacks)

    @contextlib.contextmanager
    def _sqlite_writer(self) -> Iterator[Connection]:
        """The kept SQLite write connection, this thread's until the block ends."""
        if self._writer_owner == threading.get_ident():
            raise RuntimeError("a write transaction inside another on the same thread would wait for itself")
        patience = _next_write_patience()
        if not self._writer_lock.acquire(timeout=SQLITE_BUSY_SECONDS if patience is None else patience):
            if patience is not None:
                _patience.seconds = None
                raise WriterBusy("another thread of this process is writing")
            raise TimeoutError(f"the SQLite writer was busy for {SQLITE_BUSY_SECONDS} s")
        self._writer_owner = threading.get_ident()
        try:
            if self._writer is None or self._writer.closed or self._writer.invalidated:
                self._writer = self.engine.connect()
            yield self._writer
        except WriterBusy:
            # Refused at BEGIN: nothing was done, but the connection is not to be trusted with a half-begun
            # transaction; the next writer opens another.
            writer, self._writer = self._writer, None
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.invalidate()
            raise
        finally:
            self._writer_owner = None
            self._writer_lock.release()

    @contextlib.contextmanager
    def impatient(self) -> Iterator[None]:
        """Inside, this thread's next SQLite write transaction raises WriterBusy after IMPATIENT_SECONDS
        rather than waiting up to SQLITE_BUSY_SECONDS for a lock another process holds, and before anything
        is written: the caller can take the work where waiting harms nobody (bot/runner.py). Only the
        first write is impatient. PostgreSQL waits on rows, not on the database: no effect there."""
        if not self.is_sqlite:
            yield
            return
        _patience.seconds = IMPATIENT_SECONDS
        try:
            yield
        finally:
            _patience.seconds = None

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only view (does not take SQLite's write lock)."""
        with _counted(), self._read_sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe when several processes start together.

        A database already at the newest revision is left alone without importing Alembic at all: Alembic
        and its templates cost each process about 35 MB, and every worker checks at start.
        """
        if self.current_revision() == head_revision():
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["quiet"] = True
        with self._migration_lock():
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no alembic_version table yet: a new database
            return None

    @contextlib.contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.is_sqlite:
            database = self.url.database
            if not database or database == ":memory:":
                yield
                return
            lock_path = Path(database).with_suffix(".migrate.lock")
            with open(lock_path, "w") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                    connection.commit()

    def dispose(self) -> None:
        if "writers" in self.__dict__:
            self.writers.shutdown(wait=False)
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        self.engine.dispose()
