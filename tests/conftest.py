"""Fixtures: every storage-touching test runs on SQLite, and on PostgreSQL when YIBANG_TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from support import PG_URL, TABLES, Citizen, at, drop_pg_schema, new_pg_schema
from telegram_support import bot_api, telegram  # noqa: F401 (the Telegram world's fixtures)

from config import Settings, load_taxonomy
from config.settings import DEFAULT_TAXONOMY
from handlers.clock import FrozenClock
from handlers.services import Services
from storage import Database, FieldCipher

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
