"""The Telegram adapter's parts on their own: updates to Incoming, replies to messages, the flood limits,
the API URL and the settings it needs. No network, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.telegram_world import (
    STAFF_CHAT,
    blocked_update,
    contact,
    group_chat,
    location,
    message_update,
    photo,
    sticker,
    text_update,
    user,
)
from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.telegram.application import api_urls
from bot.telegram.limits import GROUP, OVERALL, PRIVATE, FloodControl, Window
from bot.telegram.render import messages, split_text
from bot.telegram.updates import edited_citizen_message, incoming_from_update
from config import ConfigError, load_settings
from handlers.messages import Choice, IncomingKind, Reply

ALICE = user(1001, "Alice")


def incoming(data: dict):
    return incoming_from_update(Update.de_json(data, None))


# ---------------------------------------------------------------- updates


def test_a_text_keys_on_the_update_id_and_answers_in_the_private_chat():
    update = text_update(ALICE, "我要求助")
    found = incoming(update)
    assert (found.channel, found.kind, found.text) == ("telegram", IncomingKind.TEXT, "我要求助")
    assert (found.user_key, found.chat_key, found.message_id) == ("1001", "1001", str(update["update_id"]))


def test_a_deep_link_start_is_plain_start():
    assert incoming(text_update(ALICE, "/start from-poster")).text == "/start"
    assert incoming(text_update(ALICE, "/progress ZZ20220110-0001")).text == "/progress ZZ20220110-0001"


def test_a_contact_is_own_only_when_it_is_the_senders():
    own = incoming(message_update(ALICE, **contact("+86 139 1234 5678", user_id=1001)))
    assert own.kind == IncomingKind.CONTACT and own.payload == {"phone": "+86 139 1234 5678", "own": "1"}
    assert incoming(message_update(ALICE, **contact("13912345678", user_id=7))).payload["own"] == "0"
    assert incoming(message_update(ALICE, **contact("13912345678", user_id=None))).payload["own"] == "0"


def test_a_location_and_a_venue():
    found = incoming(message_update(ALICE, **location(34.8, 113.66)))
    assert found.kind == IncomingKind.LOCATION and found.payload == {"lat": "34.8", "lon": "113.66"}
    venue = {"venue": {"location": {"latitude": 34.8, "longitude": 113.66}, "title": "曼哈顿广场",
                       "address": "金水路"}, **location(34.8, 113.66)}
    assert incoming(message_update(ALICE, **venue)).payload["label"] == "曼哈顿广场 金水路"


def test_media_say_what_they_are_and_a_photo_its_largest_size():
    found = incoming(message_update(ALICE, caption="门口", **photo("big")))
    assert found.kind == IncomingKind.MEDIA and found.payload == {"media": "photo", "file_id": "big"} and found.text == "门口"
    assert incoming(message_update(ALICE, **sticker())).payload["media"] == "sticker"
    gif = {"file_id": "gif", "file_unique_id": "g", "width": 1, "height": 1, "duration": 1}
    both = {"animation": gif, "document": {"file_id": "gif", "file_unique_id": "g"}}
    assert incoming(message_update(ALICE, **both)).payload["media"] == "animation"
    dice = incoming(message_update(ALICE, dice={"emoji": "🎲", "value": 3}))
    assert dice.payload == {"media": "dice", "file_id": ""}


def test_what_is_not_a_citizens_message_is_none():
    assert incoming(text_update(ALICE, "你好", chat=group_chat(STAFF_CHAT))) is None
    assert incoming(text_update(ALICE, "你好", chat=group_chat(-100555))) is None
    assert incoming(text_update({"id": 99, "is_bot": True, "first_name": "bot"}, "hi")) is None
    assert incoming(message_update(ALICE, pinned_message={"message_id": 1, "date": 0, "chat": {
        "id": 1001, "type": "private"}})) is None
    assert incoming(text_update(ALICE, "改过", edited=True)) is None


def test_blocking_the_bot_is_an_unsubscribe_event():
    found = incoming(blocked_update(ALICE))
    assert found.kind == IncomingKind.EVENT and found.payload == {"event": "unsubscribe"} and found.user_key == "1001"


def test_edited_texts_are_noticed_and_live_locations_are_not():
    assert edited_citizen_message(Update.de_json(text_update(ALICE, "改过", edited=True), None)) is not None
    live = message_update(ALICE, edited=True, **location(34.8, 113.66))
    assert edited_citizen_message(Update.de_json(live, None)) is None
    in_group = text_update(ALICE, "改过", edited=True, chat=group_chat(STAFF_CHAT))
    assert edited_citizen_message(Update.de_json(in_group, None)) is None


# ---------------------------------------------------------------- replies


def test_choices_become_a_keyboard_and_the_phone_question_a_share_contact_button(taxonomy):
    texts = taxonomy.texts
    [sent] = messages(Reply("您在哪个区县？", tuple(Choice(n) for n in taxonomy.district_names)), texts,
                      clear_keyboard=True)
    markup = sent["reply_markup"]
    assert isinstance(markup, ReplyKeyboardMarkup) and markup.one_time_keyboard and markup.resize_keyboard
    assert [b.text for row in markup.keyboard for b in row] == list(taxonomy.district_names)
    assert all(len(row) <= 3 for row in markup.keyboard)

    [sent] = messages(Reply("手机号？", request_contact=True), texts, clear_keyboard=True)
    [[button]] = sent["reply_markup"].keyboard
    assert button.request_contact and button.text == texts.share_contact_button
    assert "parse_mode" not in sent


def test_a_plain_answer_clears_the_keyboard_and_a_push_leaves_it(taxonomy):
    [answer] = messages(Reply("已取消"), taxonomy.texts, clear_keyboard=True)
    assert isinstance(answer["reply_markup"], ReplyKeyboardRemove)
    [push] = messages(Reply("已交办"), taxonomy.texts, clear_keyboard=False)
    assert "reply_markup" not in push


def test_a_long_text_is_split_at_line_ends_and_nothing_is_lost(taxonomy):
    text = "\n".join(f"第{n}行：" + "透析" * 40 for n in range(200))
    parts = messages(Reply(text, (Choice("好"),)), taxonomy.texts, clear_keyboard=True)
    assert len(parts) > 1 and "\n".join(p["text"] for p in parts) == text
    assert all("reply_markup" not in p for p in parts[:-1]) and "reply_markup" in parts[-1]


@given(st.text(alphabet=st.sampled_from("a透😀\n "), max_size=300), st.integers(min_value=2, max_value=40))
def test_split_text_keeps_every_character_within_the_limit(text, limit):
    parts = split_text(text, limit)
    assert all(len(p.encode("utf-16-le")) // 2 <= limit for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


# ---------------------------------------------------------------- flood limits


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def send_all(chats: list[int], clock: Clock, flood: FloodControl) -> list[tuple[float, int]]:
    """Each message goes as soon as the limits let it, as FloodControl.process_request does."""
    sent = []
    for chat in chats:
        while (wait := flood.delay(chat)) > 0:
            clock.now += wait
        flood.record(chat)
        sent.append((clock.now, chat))
    return sent


def most_in_any_window(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


def test_a_group_gets_20_a_minute_and_the_rest_wait_their_minute():
    clock = Clock()
    sent = send_all([STAFF_CHAT] * 45, clock, FloodControl(clock=clock))
    times = [t for t, _ in sent]
    assert times[:20] == [0.0] * 20 and times[20:40] == [60.0] * 20 and times[40:] == [120.0] * 5


def test_the_bot_sends_at_most_30_a_second_overall():
    clock = Clock()
    sent = send_all(list(range(1, 301)), clock, FloodControl(clock=clock))
    assert most_in_any_window([t for t, _ in sent], 1.0) == 30
    assert sent[-1][0] == 9.0  # 300 messages in ten windows of one second


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([1001, 1002, 1003, -100111, -100222]), min_size=1, max_size=120))
def test_no_window_is_ever_exceeded(chats):
    clock = Clock()
    sent = send_all(chats, clock, FloodControl(clock=clock))
    assert most_in_any_window([t for t, _ in sent], OVERALL.seconds) <= OVERALL.count
    for chat in set(chats):
        window: Window = PRIVATE if chat > 0 else GROUP
        times = [t for t, c in sent if c == chat]
        assert most_in_any_window(times, window.seconds) <= window.count


def test_a_429_pauses_that_chat_only():
    clock = Clock()
    flood = FloodControl(clock=clock)
    flood.pause(1001, 30)
    assert flood.delay(1001) == 30 and flood.delay(1002) == 0
    clock.now = 30
    assert flood.delay(1001) == 0


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize(("given_url", "base"), [
    ("https://api.telegram.org/bot", "https://api.telegram.org/bot"),
    ("https://api.telegram.org", "https://api.telegram.org/bot"),
    ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
])
def test_the_api_url_is_taken_with_or_without_bot(given_url, base):
    assert api_urls(given_url) == (base, base.removesuffix("/bot") + "/file/bot")


def test_a_webhook_needs_a_secret_of_telegrams_characters():
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, telegram_token="1:x", telegram_webhook_url="https://example.org/telegram")
    assert "YIBANG_TELEGRAM_WEBHOOK_SECRET" in str(refused.value) and "required" in str(refused.value)
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, telegram_webhook_url="https://e.org/telegram", telegram_webhook_secret="a b")
    assert "YIBANG_TELEGRAM_WEBHOOK_SECRET" in str(refused.value)
    assert load_settings(_env_file=None, telegram_webhook_url="https://e.org/t", telegram_webhook_secret="a-b_C9")
