"""The world every test stands on: a database (SQLite always, PostgreSQL when YIBANG_TEST_DATABASE_URL is
set), the services on a frozen clock, a citizen or two, and the guard that fails a test making a network
call inside a database transaction."""

from __future__ import annotations

import os
import socket
import ssl
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from config import Settings, load_taxonomy
from config.settings import DEFAULT_TAXONOMY
from handlers.clock import FrozenClock
from handlers.services import Services
from storage import Database, FieldCipher
from storage.database import in_transaction
from support.citizens import Citizen

SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("YIBANG_TEST_DATABASE_URL")
# The labelled data sets live beside the repository, not in it; tests that need them skip without them.
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TABLES = (
    "case_events", "outbox", "inbox", "conversations", "case_counters", "staff_members", "shared_values",
    "case_followers", "attachments", "cases", "open311_keys", "department_contacts",
    "console_sessions", "faq_uses", "signed_nonces", "knowledge_changes", "danger_alerts", "similar_keys",
    "similar_documents",
)


def at(clock_text: str) -> datetime:
    """'2022-01-10 10:00' in Zhengzhou time."""
    return datetime.fromisoformat(clock_text).replace(tzinfo=SHANGHAI)


def new_pg_schema() -> tuple[str, str]:
    """A schema of our own on the shared test database, so runs never see each other's rows: its URL and
    its name."""
    assert PG_URL
    schema = f"yibang_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


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


# ---------------------------------------------------------------- no network inside a transaction


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
