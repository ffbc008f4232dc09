"""A WeChat message answered "success" before its handling ended is never lost: it is kept durably before
that answer, handled again after a crash, a dead letter once its signature's window has passed, and shown
on /healthz while stuck. And a write lock held elsewhere on SQLite never freezes the answers or /healthz."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.wechat_stand_in import CUSTOM

import bot.wechat.route
from bot.wechat.reply import reply_text
from handlers.delivery import deferred
from handlers.delivery.late_replies import stored_replies
from handlers.health import health
from storage.models import Conversation, InboxMessage, OutboxMessage


@pytest.fixture
def crashing_handler(wechat, monkeypatch):
    """Handling that passes the budget and then dies with its process (nothing it did commits)."""
    release = threading.Event()

    def lost(services, incoming, *signed):
        release.wait(timeout=30)
        raise RuntimeError("the process was killed")

    monkeypatch.setattr(bot.wechat.route, "handle", lost)
    # The budget is kept where handlers run on threads (PostgreSQL); SQLite's inline handling is made
    # threaded here, as the busy lock below makes it.
    monkeypatch.setattr(wechat.services.db, "inline_writes", False)
    yield release
    release.set()


def _answer_given(wechat, openid: str) -> str:
    """What the handlers answered the citizen's (only) message, as WeChat draws it."""
    with wechat.services.db.reading() as session:
        message = session.scalars(select(InboxMessage).where(InboxMessage.user_key == openid)).one()
    replies = stored_replies(wechat.services, "wechat", openid, message.message_id)
    assert replies
    return reply_text(wechat.services.taxonomy, replies)


def _late_rows(wechat) -> list[OutboxMessage]:
    with wechat.services.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%late-reply%"))))


@pytest.mark.wechat(wechat_reply_budget_seconds=0.5)
def test_a_message_deferred_and_then_lost_is_handled_again_and_answered(wechat, crashing_handler):
    citizen = wechat.citizen(safe=True)
    assert wechat.servers.post(citizen.xml("我要求助"), safe=True).text == "success"
    [row] = _late_rows(wechat)
    assert "sealed" in row.payload and "我要求助" not in str(row.payload), "kept, and sealed, before 'success'"
    crashing_handler.set()
    wechat.deliver()
    assert wechat.stand_in.delivered(CUSTOM) == [], "not before the live handler had its chance"
    wechat.services.clock.advance(seconds=21)
    wechat.deliver()
    [sent] = wechat.stand_in.delivered(CUSTOM)
    assert sent["touser"] == citizen.openid and sent["text"]["content"] == _answer_given(wechat, citizen.openid)
    assert wechat.count(InboxMessage) == 1 and wechat.count(Conversation) == 1
    assert [row.status for row in _late_rows(wechat)] == ["sent"]


@pytest.mark.wechat(wechat_reply_budget_seconds=0.5)
def test_a_lost_message_is_a_dead_letter_once_its_signature_is_too_old_and_stuck_meanwhile(wechat,
                                                                                           crashing_handler):
    citizen = wechat.citizen(safe=True)
    assert wechat.servers.post(citizen.xml("我要求助"), safe=True).text == "success"
    crashing_handler.set()
    wechat.deliver()
    services = wechat.services
    services.clock.advance(seconds=61)
    report = health(services)
    assert report["status"] == "degraded" and report["deferred_answers"]["stuck"] == 1
    services.clock.advance(seconds=services.settings.wechat_max_age_seconds)
    wechat.deliver()
    [row] = _late_rows(wechat)
    assert row.status == "failed" and row.last_error == deferred.TOO_LATE
    assert wechat.stand_in.delivered(CUSTOM) == [] and wechat.count(InboxMessage) == 0
    assert health(services)["outbox"]["dead_letters"] >= 1


@pytest.mark.wechat(wechat_reply_budget_seconds=1.0)
def test_a_write_lock_held_elsewhere_keeps_the_budget_and_healthz_and_loses_nothing(wechat, database):
    if not database.is_sqlite:
        pytest.skip("SQLite's database-wide write lock")
    citizen = wechat.citizen(safe=True)
    citizen.says("你好")  # the conversation exists; the next message is the one that meets the lock
    other = sqlite3.connect(database.url.database, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process (a command, a backup) holds the write lock
    try:
        started = time.monotonic()
        answer = wechat.servers.post(citizen.xml("我要求助"), safe=True)
        took = time.monotonic() - started
        assert answer.text == "success" and took < 2.0, f"answered after {took:.1f} s"
        started = time.monotonic()
        healthz = wechat.servers.portal.call(lambda: wechat.servers.http.get(f"{wechat.servers.base_url}/healthz"))
        assert healthz.status_code == 200 and time.monotonic() - started < 1.0
        assert len(list((wechat.services.settings.data_dir / "deferred").glob("*.msg"))) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    wechat.deliver()
    [sent] = wechat.stand_in.delivered(CUSTOM)
    with wechat.services.db.reading() as session:
        latest = max(session.scalars(select(InboxMessage)), key=lambda row: row.id)
    assert sent["text"]["content"] == reply_text(wechat.services.taxonomy, stored_replies(
        wechat.services, "wechat", citizen.openid, latest.message_id))
    assert list((wechat.services.settings.data_dir / "deferred").glob("*.msg")) == []


def test_a_spooled_message_whose_process_died_is_moved_in_and_answered(wechat):
    citizen = wechat.citizen()
    services = wechat.services
    from bot.wechat.incoming import to_incoming
    from bot.wechat.xml import parse_wechat_message

    incoming = to_incoming(parse_wechat_message(citizen.xml("我要求助")))
    deferred.spool(services, deferred.Kept(incoming, None, services.clock.now()))
    assert deferred.sweep_spool(services) == {"handled": 0, "dead": 0, "waiting": 1}, "a live handler's grace"
    assert deferred.sweep_spool(services, grace=timedelta(0))["handled"] == 1
    wechat.deliver()
    [sent] = wechat.stand_in.delivered(CUSTOM)
    assert sent["text"]["content"] == _answer_given(wechat, citizen.openid)
    late = deferred.Kept(incoming.__class__(**{**incoming.__dict__, "message_id": "777"}), None,
                         services.clock.now())
    deferred.spool(services, late)
    services.clock.advance(seconds=services.settings.wechat_max_age_seconds + 1)
    assert deferred.sweep_spool(services, grace=timedelta(0))["dead"] == 1
    assert [row.status for row in _late_rows(wechat)] == ["sent", "failed"]
