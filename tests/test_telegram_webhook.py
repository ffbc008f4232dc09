"""The /telegram route as the internet sees it: only Telegram (who knows the secret) gets in, bad input
gets a 4xx and never a 5xx, a redelivered update is handled once, and a failure inside still answers 200
after telling the citizen, since Telegram would otherwise redeliver the update again and again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from support.telegram_world import SECRET, STAFF_CHAT, WEBHOOK_URL, text_update, user

import bot.telegram.citizen_chat
from bot.telegram.webhook import SECRET_HEADER
from storage.models import Conversation, InboxMessage


def test_start_registers_the_webhook_with_its_secret_and_the_command_menu(telegram):
    [registered] = telegram.api.called("setWebhook")
    assert registered["url"] == WEBHOOK_URL and registered["secret_token"] == SECRET
    assert registered["drop_pending_updates"] is False
    assert registered["allowed_updates"] == ["message", "edited_message", "my_chat_member", "callback_query"]
    commands, staff_commands = telegram.api.called("setMyCommands")
    assert [c["command"] for c in commands["commands"]] == ["start", "help_request", "progress", "cancel"]
    assert all(c["description"] for c in commands["commands"])
    assert commands["scope"] == {"type": "all_private_chats"}
    assert [c["command"] for c in staff_commands["commands"]] == ["queue", "case", "stats"]
    assert staff_commands["scope"] == {"type": "chat", "chat_id": STAFF_CHAT}


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1], "秘密"])
def test_a_post_without_the_right_secret_is_refused(telegram, secret):
    headers = {} if secret is None else {SECRET_HEADER: secret.encode()}  # bytes: any octets may come
    body = json.dumps(text_update(user(1001), "/start")).encode()
    response = telegram.post_raw(body, headers)
    assert response.status_code == 403
    assert telegram.api.called("sendMessage") == []


def test_the_same_update_posted_twice_is_handled_once(telegram):
    update = text_update(user(1001), "我要求助")
    assert telegram.post(update).status_code == 200
    assert telegram.post(update).status_code == 200
    assert len(telegram.api.sent(1001)) == 1
    with telegram.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1
        assert session.scalars(select(Conversation)).one().step == "problem"


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{}", b'{"update_id": "7"}',
    b'{"update_id": 7, "message": "hello"}', b'{"update_id": 7, "message": {"chat": 5}}',
])
def test_malformed_updates_get_400_never_a_5xx(telegram, body):
    response = telegram.post_raw(body, {SECRET_HEADER: SECRET, "content-type": "application/json"})
    assert response.status_code == 400


def test_an_update_with_nothing_for_us_is_accepted_and_ignored(telegram):
    assert telegram.post({"update_id": 99, "channel_post": {
        "message_id": 1, "date": 1641780000, "chat": {"id": -100777, "type": "channel"}, "text": "公告"}}
    ).status_code == 200
    bot = {"id": 123456, "is_bot": True, "first_name": "一帮到底"}
    added_to_a_group = {"update_id": 100, "my_chat_member": {
        "chat": {"id": -100888, "type": "supergroup", "title": "某群"}, "from": user(5), "date": 1641780000,
        "old_chat_member": {"status": "left", "user": bot}, "new_chat_member": {"status": "member", "user": bot}}}
    assert telegram.post(added_to_a_group).status_code == 200
    assert telegram.api.called("sendMessage") == []


def test_a_failure_while_handling_answers_200_and_tells_the_citizen(telegram, monkeypatch):
    def broken(services, incoming):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(bot.telegram.citizen_chat, "handle", broken)
    response = telegram.post(text_update(user(1001), "我要求助"))
    assert response.status_code == 200
    [told] = telegram.api.sent(1001)
    assert told["text"].startswith("系统繁忙，请稍后再试")


def test_get_and_other_paths_are_not_the_webhook(telegram):
    response = telegram.portal.call(telegram.client.get, "/telegram")
    assert response.status_code == 405
    assert telegram.portal.call(telegram.client.get, "/healthz").json()["database"] == "ok"
