"""A missing or wrong secret key stops start-up instead of sealing new data under a key nobody else has,
and a push that cannot be opened is a failure with a dead letter, never a message marked sent unsent."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from support.world import SECRET

from bot.dispatcher import Dispatcher, Sent
from config import ConfigError, Settings
from handlers.delivery import payloads
from handlers.delivery.outbox import OutboxItem
from handlers.privacy.keys import rekey
from handlers.services import Services
from storage import FieldCipher, outbox
from storage.key_check import CHECK
from storage.models import OutboxMessage, SharedValue

OTHER = "another-secret-key-that-is-long-enough-9876543210"


def _start(database, tmp_path, **keys) -> Services:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=database.url.render_as_string(False),
                        **keys)
    services = Services.from_settings(settings)
    services.db.dispose()
    return services


def test_a_key_that_did_not_set_up_the_database_is_refused_by_name(database, tmp_path):
    _start(database, tmp_path, secret_key=SECRET)
    _start(database, tmp_path, secret_key=SECRET)  # the same key starts again
    with pytest.raises(ConfigError, match="YIBANG_SECRET_KEY"):
        _start(database, tmp_path, secret_key=OTHER)
    with pytest.raises(ConfigError, match=r"YIBANG_SECRET_KEY:\s+- not set"):
        _start(database, tmp_path / "elsewhere")  # a key generated beside an existing database
    # a rotation: the new key, with the old one still accepted for reading
    _start(database, tmp_path, secret_key=OTHER, old_secret_keys=SECRET)


def test_after_rekey_the_new_key_alone_starts(services, database, tmp_path, citizen):
    citizen.files()
    _start(database, tmp_path, secret_key=SECRET)
    rotated = _start(database, tmp_path, secret_key=OTHER, old_secret_keys=SECRET)
    rotated.db = database
    rekey(rotated)
    _start(database, tmp_path, secret_key=OTHER)
    with pytest.raises(ConfigError):
        _start(database, tmp_path, secret_key=SECRET)


def test_a_database_from_before_the_check_is_trusted_only_with_a_key_that_opens_it(services, database, tmp_path,
                                                                                     citizen):
    citizen.files()
    with database.transaction() as session:
        session.execute(delete(SharedValue).where(SharedValue.name == CHECK))
    with pytest.raises(ConfigError, match="cannot open"):
        _start(database, tmp_path, secret_key=OTHER)
    _start(database, tmp_path, secret_key=SECRET)


class Recording:
    channel = "telegram"

    def __init__(self):
        self.sent: list[OutboxItem] = []

    async def send(self, item: OutboxItem):
        self.sent.append(item)
        return Sent()


def test_a_push_sealed_with_another_key_is_a_dead_letter_not_a_delivery(services):
    import asyncio

    sealed_elsewhere = payloads.citizen_update(FieldCipher([OTHER]), "【ZZ20220110-0001】已办结")
    readable = payloads.citizen_update(services.cipher, "【ZZ20220110-0002】已办结")
    with services.db.transaction() as session:
        for key, payload in (("elsewhere", sealed_elsewhere), ("readable", readable)):
            outbox.enqueue(session, channel="telegram", target="1001", payload=payload, dedupe_key=key,
                           now=services.clock.now())
    sender = Recording()
    asyncio.run(Dispatcher(services, [sender]).run_once())
    assert [item.payload["text"] for item in sender.sent] == ["【ZZ20220110-0002】已办结"]
    with services.db.reading() as session:
        rows = {row.dedupe_key: row for row in session.scalars(select(OutboxMessage))}
    assert rows["elsewhere"].status == "failed" and "YIBANG_SECRET_KEY" in rows["elsewhere"].last_error
    assert rows["readable"].status == "sent"


def test_news_without_words_is_not_counted_as_sent_on_either_platform(wechat, telegram):
    for world, channel, target in ((wechat, "wechat", "oCitizen0000000000000000001"), (telegram, "telegram", "1001")):
        services = world.services
        with services.db.transaction() as session:
            outbox.enqueue(session, channel=channel, target=target, now=services.clock.now(),
                           payload=payloads.citizen_update(services.cipher, ""), dedupe_key=f"empty-{channel}")
        world.deliver()
        with services.db.reading() as session:
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"empty-{channel}")).one()
        assert row.status == "failed", channel
