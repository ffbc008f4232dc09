"""Fixtures: every storage-touching test runs on SQLite, and on PostgreSQL when YIBANG_TEST_DATABASE_URL is set."""

from __future__ import annotations

import socket
import ssl

import pytest
from sqlalchemy import text
from support import PG_URL, TABLES, Citizen, at, drop_pg_schema, new_pg_schema
from telegram_support import bot_api, telegram  # noqa: F401 (the Telegram world's fixtures)

from config import Settings, load_taxonomy
from config.settings import DEFAULT_TAXONOMY
from handlers.clock import FrozenClock
from handlers.services import Services
from storage import Database, FieldCipher
from storage.database import in_transaction

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy(DEFAULT_TAXONOMY)


@pytest.fixture(scope="session")
def classifier(taxonomy):
    from classifier import get_classifier

    return get_classifier(taxonomy)


@pytest.fixture(scope="session")
def pg_database():
    """One migrated schema for the session; tables are emptied before each test."""
    if not PG_URL:
        yield None
        return
    url, schema = new_pg_schema()
    database = Database(url)
    database.migrate()
    yield database
    database.dispose()
    drop_pg_schema(schema)


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path, pg_database):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'yibang.sqlite3'}")
        db.migrate()
        yield db
        db.dispose()
        return
    with pg_database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield pg_database


@pytest.fixture
def clock():
    return FrozenClock(at("2022-01-10 10:00"))


@pytest.fixture
def settings(tmp_path, database):
    return Settings(_env_file=None, data_dir=tmp_path, database_url=database.url.render_as_string(False),
                    secret_key=SECRET)


@pytest.fixture
def services(settings, taxonomy, classifier, database, clock):
    return Services(
        settings=settings,
        taxonomy=taxonomy,
        classifier_instance=classifier,
        db=database,
        cipher=FieldCipher([SECRET]),
        clock=clock,
    )


@pytest.fixture
def citizen(services):
    return Citizen(services, user="u1")


@pytest.fixture
def neighbour(services):
    return Citizen(services, user="u2")


class NetworkInTransaction(AssertionError):
    """A socket was used while this thread was inside a database transaction."""


# Every way a Python socket reaches the network: connecting, and sending on a connection already open
# (a keep-alive connection sends without connecting again). TLS sockets send through their own methods.
_SOCKET_CALLS = {
    socket.socket: ("connect", "connect_ex", "send", "sendall", "sendto", "sendmsg"),
    ssl.SSLSocket: ("connect", "connect_ex", "send", "sendall", "sendto"),
}


@pytest.fixture(autouse=True)
def no_network_in_transactions(monkeypatch):
    """Every test fails if any code under it waits on the network inside a transaction of ours (the
    offending call also raises, in case the code would swallow it, and is listed at the end)."""
    made: list[str] = []

    def guarded(name, original):
        def call(self, *args, **kwargs):
            if in_transaction():
                made.append(f"socket.{name} to {args[0] if args else '?'}")
                raise NetworkInTransaction(f"socket.{name} inside a database transaction")
            return original(self, *args, **kwargs)

        return call

    for cls, names in _SOCKET_CALLS.items():
        for name in names:
            monkeypatch.setattr(cls, name, guarded(name, getattr(cls, name)))
    yield made
    assert not made, f"network calls inside a database transaction: {made}"
