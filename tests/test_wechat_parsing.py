"""Reading WeChat's XML: signatures compared safely, anything that is not a message refused cleanly."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.wechat.incoming import to_incoming
from bot.wechat.signature import SignatureRefused, check_fresh, check_signature, sign
from bot.wechat.xml import MalformedXml, parse_wechat_message
from handlers.messages import IncomingKind

NOW = datetime(2022, 1, 10, 2, 0, tzinfo=UTC)
FIELDS = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "Event",
    "EventKey",
    "Recognition",
    "Location_X",
    "Location_Y",
    "Label",
    "MediaId",
]


def test_signature_is_wechats_sha1_of_the_sorted_parts():
    assert sign("token", "1409304348", "nonce") == hashlib.sha1(b"1409304348noncetoken").hexdigest()
    signature = sign("token", "1409304348", "nonce")
    check_signature(signature, "token", "1409304348", "nonce")
    with pytest.raises(SignatureRefused):
        check_signature(signature.upper(), "token", "1409304348", "nonce")
    with pytest.raises(SignatureRefused):
        check_signature("签名", "token", "1409304348", "nonce")


def test_freshness_window():
    stamp = int(NOW.timestamp())
    check_fresh(str(stamp - 300), NOW, 300)
    for bad in (str(stamp - 301), str(stamp + 301), "", "-5", "1e9", "１２３"):
        with pytest.raises(SignatureRefused):
            check_fresh(bad, NOW, 300)


def wechat_xml(**fields: str) -> str:
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"


def test_a_text_message_becomes_a_text_incoming():
    incoming = to_incoming(
        parse_wechat_message(
            wechat_xml(
                ToUserName="gh_1",
                FromUserName="oUser",
                CreateTime="1641780000",
                MsgType="text",
                Content=" 你好 ",
                MsgId="23456789012345678",
            )
        )
    )
    assert incoming is not None
    assert (incoming.kind, incoming.text, incoming.message_id, incoming.user_key, incoming.chat_key) == (
        IncomingKind.TEXT,
        "你好",
        "23456789012345678",
        "oUser",
        "oUser",
    )


def test_events_dedupe_on_sender_time_and_key():
    def click(key: str, created: str = "1641780000"):
        return to_incoming(
            parse_wechat_message(
                wechat_xml(
                    ToUserName="gh_1",
                    FromUserName="oUser",
                    CreateTime=created,
                    MsgType="event",
                    Event="CLICK",
                    EventKey=key,
                )
            )
        )

    first = click("REQUEST_HELP")
    assert first.kind == IncomingKind.EVENT and dict(first.payload) == {"event": "click", "key": "REQUEST_HELP"}
    assert first.message_id == click("REQUEST_HELP").message_id
    assert first.message_id != click("PROGRESS").message_id
    assert first.message_id != click("REQUEST_HELP", "1641780001").message_id


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_a_message_or_malformed(body):
    try:
        to_incoming(parse_wechat_message(body))
    except MalformedXml:
        pass


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=30), max_size=len(FIELDS)))
def test_any_fields_are_a_message_or_malformed(fields):
    body = "<xml>" + "".join(f"<{k}>{_escape(v)}</{k}>" for k, v in fields.items()) + "</xml>"
    try:
        to_incoming(parse_wechat_message(body))
    except MalformedXml:
        pass


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml(**fields: str) -> str:
    common = {"ToUserName": "gh_account", "FromUserName": "oCitizen", "CreateTime": "1641780000"}
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in {**common, **fields}.items()) + "</xml>"


@pytest.mark.parametrize(
    "body",
    [
        _xml(MsgType="text", Content="我要求助", MsgId="1"),
        _xml(MsgType="image", PicUrl="http://x/y.jpg", MediaId="m", MsgId="2"),
        _xml(MsgType="voice", MediaId="m", Format="amr", Recognition="我要求助", MsgId="3"),
        _xml(MsgType="location", Location_X="34.7", Location_Y="113.6", Scale="15", Label="金水区", MsgId="4"),
        _xml(MsgType="shortvideo", MediaId="m", ThumbMediaId="t", MsgId="5"),
        _xml(MsgType="TEXT", Content="upper-case type", MsgId="6"),
        _xml(MsgType="event", Event="subscribe"),
        _xml(MsgType="event", Event="subscribe", EventKey="qrscene_123"),
        _xml(MsgType="event", Event="subscribe", EventKey="scanbarcode|EAN13|123"),
        _xml(MsgType="event", Event="unsubscribe"),
        _xml(MsgType="event", Event="CLICK", EventKey="REQUEST_HELP"),
        _xml(MsgType="event", Event="VIEW", EventKey="https://example.org"),
        _xml(MsgType="event", Event="brand_new_event"),
        _xml(MsgType="event"),
        _xml(MsgType="device_text", Content="x", DeviceType="t", DeviceID="d", SessionID="1", OpenID="o"),
        _xml(MsgType="device_event", Event="bind", DeviceType="t", DeviceID="d", SessionID="1", OpenID="o"),
        _xml(MsgType="miniprogrampage", Title="t", MsgId="7"),
    ],
)
def test_messages_are_typed_as_wechatpy_types_them(body):
    """Parsed once by the hardened parser, a message gets the class and fields wechatpy's parse_message gives."""
    from wechatpy import parse_message

    ours, theirs = parse_wechat_message(body), parse_message(body)
    assert type(ours) is type(theirs)
    assert ours._data == theirs._data
    assert (ours.type, ours.source, ours.time) == (theirs.type, theirs.source, theirs.time)
