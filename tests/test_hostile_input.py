"""Validly signed but hostile input gets a clean 400 (or a polite answer), never a 500, and changes
nothing; numbers typed in other scripts' digits are the same numbers; /healthz tells its details only to
this machine or to whoever has the token."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from support.telegram_world import SECRET, press_update
from support.wechat_world import ACCOUNT, OPENID, cdata

from bot.telegram.staff_card import callback_data, parse_press
from bot.telegram.webhook import MAX_BODY_BYTES as TELEGRAM_MAX_BODY
from bot.telegram.webhook import SECRET_HEADER
from bot.webapp import create_web_app
from handlers.conversation.validators import Reject, Value, parse_phone
from storage.models import Attachment, Conversation, InboxMessage

# ---------------------------------------------------------------- WeChat


def _xml(created: str, *, msg_id: str = "<MsgId>42</MsgId>", msg_type: str = "text", extra: str = "") -> str:
    return (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(OPENID)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>"
            f"<Content>{cdata('我要求助')}</Content>{extra}{msg_id}</xml>")


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_hostile_wechat_messages_get_400_and_change_nothing(wechat, safe):
    now = str(wechat.servers.now())
    bodies = {
        "create-time-beyond-datetime": _xml("999999999999"),
        "attribute-on-msgid": _xml(now, msg_id='<MsgId kind="x">42</MsgId>'),
        "attribute-on-content": _xml(now).replace("<Content>", '<Content lang="zh">'),
        "image-without-mediaid": _xml(now, msg_type="image", extra=f"<PicUrl>{cdata('http://p/1.jpg')}</PicUrl>"),
        "image-with-empty-mediaid": _xml(now, msg_type="image", extra=f"<MediaId>{cdata(' ')}</MediaId>"),
    }
    for name, body in bodies.items():
        response = wechat.servers.post(body, safe=safe)
        assert response.status_code == 400, f"{name}: {response.status_code} {response.text}"
    for model in (Conversation, InboxMessage, Attachment):
        assert wechat.count(model) == 0, model.__name__


# ---------------------------------------------------------------- Telegram


def test_a_deeply_nested_update_is_a_400(telegram):
    body = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert telegram.post_raw(body[:TELEGRAM_MAX_BODY], {SECRET_HEADER: SECRET}).status_code == 400
    nested = b'{"update_id": 1, "x": ' + b"[" * 60_000 + b"]" * 60_000 + b"}"
    assert len(nested) < TELEGRAM_MAX_BODY
    assert telegram.post_raw(nested, {SECRET_HEADER: SECRET}).status_code == 400


def test_an_oversized_update_is_a_400_before_it_is_read(telegram):
    huge = json.dumps({"update_id": 1, "padding": "x" * (TELEGRAM_MAX_BODY + 1)}).encode()
    assert telegram.post_raw(huge, {SECRET_HEADER: SECRET}).status_code == 400

    async def streamed():
        yield b'{"update_id": 1, "padding": "'
        for _ in range(50):  # 50 MB announced by no Content-Length
            yield b"x" * 1_000_000

    response = telegram.portal.call(lambda: telegram.client.post("/telegram", content=streamed(),
                                                                 headers={SECRET_HEADER: SECRET}))
    assert response.status_code == 400


@given(st.characters(categories=["Nd", "No"], exclude_characters="0123456789"))
def test_a_button_argument_is_ascii_digits_or_not_ours(digit):
    assert parse_press(f"yb:dept:ZZ20220110-0001:{digit}") is None
    assert parse_press(callback_data("dept", "ZZ20220110-0001", 3)).argument == 3


def test_a_press_with_a_strange_digit_is_still_answered(telegram):
    citizen = telegram.citizen(1001)
    number = citizen.files()
    telegram.deliver()
    card = telegram.card(number)
    staff = telegram.staff(2001, "李")
    update = press_update(staff.user, card, f"yb:dept:{number}:²")
    assert telegram.post(update).status_code == 200
    query_id = update["callback_query"]["id"]
    assert [a for a in telegram.api.called("answerCallbackQuery") if a["callback_query_id"] == query_id]


# ---------------------------------------------------------------- digits


DIGITS = {
    "ascii": "0123456789",
    "full-width": "０１２３４５６７８９",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
}


@given(st.sampled_from(sorted(DIGITS)), st.integers(3, 9), st.integers(0, 999_999_999))
def test_a_mobile_number_in_any_digits_is_stored_in_ascii(script, second, rest):
    number = f"1{second}{rest:09d}"
    typed = "".join(DIGITS[script][int(d)] for d in number)
    assert parse_phone(typed) == Value(number)


@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Zs", "Pd"]), max_size=16))
def test_a_phone_taken_is_always_eleven_ascii_digits(typed):
    parsed = parse_phone("139" + typed)
    assert isinstance(parsed, Reject) or (parsed.value.isascii() and parsed.value.isdigit()
                                          and len(parsed.value) == 11)


# ---------------------------------------------------------------- /healthz


def _health(services, *, client: tuple[str, int], headers: dict[str, str] | None = None) -> httpx.Response:
    import anyio

    app = create_web_app(services, [])

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://yibang.test") as http:
            return await http.get("/healthz", headers=headers or {})

    return anyio.run(get)


def test_healthz_details_are_for_this_machine_or_the_token(services):
    services.settings = services.settings.model_copy(update={"health_token": SecretStr("t" * 32)})
    local = _health(services, client=("127.0.0.1", 5000)).json()
    assert "scheduler" in local and "outbox" in local
    outside = _health(services, client=("203.0.113.7", 5000)).json()
    assert outside == {"status": local["status"]}
    proxied = _health(services, client=("127.0.0.1", 5000), headers={"X-Forwarded-For": "203.0.113.7"}).json()
    assert proxied == {"status": local["status"]}
    wrong = _health(services, client=("203.0.113.7", 5000), headers={"Authorization": "Bearer nope"}).json()
    assert wrong == {"status": local["status"]}
    bearer = _health(services, client=("203.0.113.7", 5000), headers={"Authorization": "Bearer " + "t" * 32})
    assert bearer.json() == local
