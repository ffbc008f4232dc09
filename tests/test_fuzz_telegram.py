"""The /telegram webhook under arbitrary bodies: a 200 or a clean 4xx, never a 5xx, never an exception."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.telegram_world import SECRET, message_update, user

from bot.telegram.webhook import SECRET_HEADER

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(["text", "caption", "contact", "location", "photo", "sticker", "voice", "document",
                          "venue", "poll", "dice", "new_chat_members", "left_chat_member", "reply_to_message"])


@FUZZ
@given(body=st.binary(max_size=2000))
def test_any_bytes_get_a_clean_answer(telegram, body):
    status = telegram.post_raw(body, {SECRET_HEADER: SECRET}).status_code
    assert status in (200, 400)


@FUZZ
@given(document=JSON)
def test_any_json_gets_a_clean_answer(telegram, document):
    status = telegram.post_raw(json.dumps(document).encode(), {SECRET_HEADER: SECRET}).status_code
    assert status in (200, 400)


@FUZZ
@given(field=FIELDS, value=JSON, chat_type=st.sampled_from(["private", "group", "supergroup", "channel"]))
def test_updates_of_any_shape_from_a_citizen_are_answered_or_refused_cleanly(telegram, field, value, chat_type):
    sender = user(88_000 + abs(hash((field, chat_type))) % 1000)
    chat = {"id": sender["id"] if chat_type == "private" else -100123, "type": chat_type}
    update = message_update(sender, chat, **{field: value})
    status = telegram.post_raw(json.dumps(update).encode(), {SECRET_HEADER: SECRET}).status_code
    assert status in (200, 400)
