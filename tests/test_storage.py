"""Storage on SQLite and PostgreSQL: numbering, dedupe, conversation locks, encryption at rest, outbox."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from support.world import at

from storage import FieldCipher, outbox
from storage.cases import next_case_number
from storage.conversations import lock_conversation, save_conversation
from storage.encryption import mask_name, mask_phone, redact_identifiers
from storage.inbox import record, seen
from storage.models import Case, OutboxMessage


def test_case_numbers_count_per_day_and_prefix(database):
    with database.transaction() as session:
        assert next_case_number(session, "ZZ", date(2022, 1, 10)) == "ZZ20220110-0001"
        assert next_case_number(session, "ZZ", date(2022, 1, 10)) == "ZZ20220110-0002"
        assert next_case_number(session, "ZZ", date(2022, 1, 11)) == "ZZ20220111-0001"
        assert next_case_number(session, "HN", date(2022, 1, 10)) == "HN20220110-0001"


def test_case_numbers_are_unique_under_concurrent_filing(database):
    numbers: list[str] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            for _ in range(10):
                with database.transaction() as session:
                    numbers.append(next_case_number(session, "ZZ", date(2022, 1, 10)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == 60 and len(set(numbers)) == 60


def test_a_rolled_back_filing_gives_its_number_back(database):
    with pytest.raises(RuntimeError):
        with database.transaction() as session:
            next_case_number(session, "ZZ", date(2022, 1, 10))
            raise RuntimeError("filing failed")
    with database.transaction() as session:
        assert next_case_number(session, "ZZ", date(2022, 1, 10)) == "ZZ20220110-0001"


def test_inbox_records_a_message_once(database):
    now = at("2022-01-10 10:00")
    with database.transaction() as session:
        assert seen(session, "telegram", "u1", "1") == (False, None)
        assert record(session, "telegram", "u1", "1", now, "token-1")
        assert not record(session, "telegram", "u1", "1", now, "token-2")
        assert record(session, "wechat", "u1", "1", now, None)
        assert record(session, "wechat", "u2", "1", now, "token-3"), "another sender's message 1 is another"
    with database.reading() as session:
        assert seen(session, "telegram", "u1", "1") == (True, "token-1")
        assert seen(session, "wechat", "u1", "1") == (True, None)
        assert seen(session, "wechat", "u2", "1") == (True, "token-3")
        assert seen(session, "telegram", "u2", "1") == (False, None)


def test_conversation_is_created_once_and_locked(database):
    now = at("2022-01-10 10:00")
    with database.transaction() as session:
        first = lock_conversation(session, "telegram", "42", "42", now)
        first.step = "phone"
        save_conversation(session, first)
    with database.transaction() as session:
        again = lock_conversation(session, "telegram", "42", "42", now)
        assert again.id == first.id and again.step == "phone"


def test_conversation_lock_serialises_one_citizens_messages(database):
    """Two transactions for one citizen: the second waits until the first commits, then sees its step."""
    now = at("2022-01-10 10:00")
    with database.transaction() as session:
        lock_conversation(session, "telegram", "7", "7", now)
    holding = threading.Event()
    release = threading.Event()
    seen: list[str] = []

    def first() -> None:
        with database.transaction() as session:
            conversation = lock_conversation(session, "telegram", "7", "7", now)
            holding.set()
            release.wait(5)
            conversation.step = "district"
            save_conversation(session, conversation)

    def second() -> None:
        holding.wait(5)
        with database.transaction() as session:
            seen.append(lock_conversation(session, "telegram", "7", "7", now).step)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()
    for thread in threads:
        thread.join(10)
    assert seen == ["district"]


def test_outbox_dedupes_and_claims_due_rows_once(database):
    now = at("2022-01-10 10:00")
    with database.transaction() as session:
        assert outbox.enqueue(session, channel="telegram", target="-1", payload={"text": "a"}, dedupe_key="k1", now=now)
        assert not outbox.enqueue(session, channel="telegram", target="-1", payload={"text": "b"}, dedupe_key="k1",
                                  now=now)
        outbox.enqueue(session, channel="wechat", target="o1", payload={"text": "c"}, dedupe_key="k2", now=now)
    with database.transaction() as session:
        assert outbox.mark_undeliverable(session, now, configured={"telegram"}) == 1
        claimed = outbox.claim_due(session, now, channels={"telegram"}, limit=10, lease=timedelta(minutes=2))
        assert [row.payload["text"] for row in claimed] == ["a"]
    with database.transaction() as session:
        assert outbox.claim_due(session, now, channels={"telegram"}, limit=10, lease=timedelta(minutes=2)) == []
        later = outbox.claim_due(session, now + timedelta(minutes=3), channels={"telegram"}, limit=10,
                                 lease=timedelta(minutes=2))
        assert len(later) == 1 and later[0].attempts == 2
    with database.reading() as session:
        statuses = dict(session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status)).all())
    assert statuses == {"k1": "pending", "k2": "undeliverable"}


def test_no_phone_or_name_in_clear_in_the_database_file(citizen, services, tmp_path):
    citizen.files(name="欧阳娜娜", phone="13987654321")
    with services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
    if services.db.is_sqlite:
        services.db.dispose()
        blobs = b"".join(path.read_bytes() for path in tmp_path.glob("yibang.sqlite3*"))
        assert b"13987654321" not in blobs
        assert "欧阳娜娜".encode() not in blobs
        assert "13987654321".encode("utf-16-le") not in blobs
    else:
        with services.db.engine.connect() as connection:
            dump = " ".join(
                str(row) for table in ("cases", "conversations", "inbox", "outbox", "case_events")
                for row in connection.exec_driver_sql(f"SELECT * FROM {table}")
            )
        assert "13987654321" not in dump and "欧阳娜娜" not in dump


def test_cipher_round_trip_rotation_and_index():
    old = FieldCipher(["old-secret-old-secret-old-secret-123"])
    token = old.encrypt("13912345678")
    assert token and "13912345678" not in token
    both = FieldCipher(["new-secret-new-secret-new-secret-456", "old-secret-old-secret-old-secret-123"])
    assert both.decrypt(token) == "13912345678"
    rotated = both.rotate(token)
    assert FieldCipher(["new-secret-new-secret-new-secret-456"]).decrypt(rotated) == "13912345678"
    assert FieldCipher(["another-secret-another-secret-789"]).decrypt(token) is None
    assert old.index("13912345678") == old.index("13912345678") != both.index("13912345678")


def test_masks():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_name("张女士") == "张**"
    assert mask_name("李") == "李*"
    assert redact_identifiers("电话13912345678，备用 139-1234-5678") == "电话139****5678，备用 139****5678"


def test_head_revision_is_alembic_s_own_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.database import MIGRATIONS, head_revision

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_an_up_to_date_database_starts_without_loading_alembic(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    code = (
        "import sys; from storage import Database; db = Database(sys.argv[1]); db.migrate();"
        "print('alembic' in sys.modules, db.current_revision())"
    )
    first = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
    assert first.stdout.split()[0] == "True"
    assert again.stdout.split() == ["False", first.stdout.split()[1]]


def test_writes_from_many_short_lived_threads_all_commit(database):
    """More threads than the pool has connections, each writing once: none waits for a connection forever."""
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with database.transaction() as session:
                record(session, "wechat", "u1", f"m{index}", at("2022-01-10 10:00"), None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for batch in range(4):
        threads = [threading.Thread(target=write, args=(batch * 10 + i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors
    with database.reading() as session:
        assert all(seen(session, "wechat", "u1", f"m{index}")[0] for index in range(40))


def test_a_failed_write_rolls_back_and_the_next_one_works(database):
    with pytest.raises(LookupError):
        with database.transaction() as session:
            record(session, "wechat", "u1", "lost", at("2022-01-10 10:00"), None)
            raise LookupError("something failed after the write")
    with database.transaction() as session:
        record(session, "wechat", "u1", "kept", at("2022-01-10 10:00"), None)
    with database.reading() as session:
        assert not seen(session, "wechat", "u1", "lost")[0] and seen(session, "wechat", "u1", "kept")[0]


def test_a_write_inside_a_write_on_sqlite_is_refused_at_once(tmp_path):
    """SQLite has one writer: a nested write on the same thread would wait for itself, so it is an error."""
    from storage import Database

    database = Database(f"sqlite:///{tmp_path / 'nested.sqlite3'}")
    database.migrate()
    try:
        with database.transaction():
            with pytest.raises(RuntimeError), database.transaction():
                pass
        with database.transaction() as session:  # and the writer is free again
            record(session, "wechat", "u1", "after", at("2022-01-10 10:00"), None)
    finally:
        database.dispose()
