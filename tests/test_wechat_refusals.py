"""Whatever reaches /wechat that is not a fresh, signed WeChat message is refused — 403 or 400, never a
5xx — and changes nothing: no conversation, no inbox row, no case, nothing queued."""

from __future__ import annotations

import pytest
from support.wechat_world import ACCOUNT, TOKEN, text_xml

from bot.wechat.route import MAX_BODY_BYTES
from bot.wechat.signature import sign
from bot.wechat.xml import parse_fields
from storage.models import Case, Conversation, InboxMessage, OutboxMessage

OPENID = "oAttacker00000000000000000001"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<xml><ToUserName>{account}</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>
<MsgType>text</MsgType><Content>&e;</Content><MsgId>1</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>{account}</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>
<MsgType>text</MsgType><Content>&secret;</Content><MsgId>2</MsgId></xml>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd">
<xml><ToUserName>{account}</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>
<MsgType>text</MsgType><Content>hello</Content><MsgId>3</MsgId></xml>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>
<xml><ToUserName>{account}</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>
<MsgType>text</MsgType><Content>hello</Content><MsgId>4</MsgId></xml>"""

BAD_BODIES = {
    "billion-laughs": BILLION_LAUGHS,
    "xxe": XXE,
    "external-dtd": EXTERNAL_DTD,
    "parameter-entity": PARAMETER_ENTITY,
    "malformed": "<xml><ToUserName>{account}</ToUserName><FromUserName>{openid}",
    "not-xml": '{{"msgtype": "text"}}',
    "wrong-root": "<message><MsgType>text</MsgType></message>",
    "missing-fields": "<xml><MsgType>text</MsgType><Content>hi</Content></xml>",
    "nested-sender": "<xml><ToUserName>a</ToUserName><FromUserName><x>1</x></FromUserName>"
    "<CreateTime>{now}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>5</MsgId></xml>",
    "bad-msgid": "<xml><ToUserName>a</ToUserName><FromUserName>{openid}</FromUserName>"
    "<CreateTime>{now}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>abc</MsgId></xml>",
    "huge-createtime": "<xml><ToUserName>a</ToUserName><FromUserName>{openid}</FromUserName>"
    "<CreateTime>99999999999999999999</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>6</MsgId></xml>",
    "long-openid": "<xml><ToUserName>a</ToUserName><FromUserName>" + "o" * 200 + "</FromUserName>"
    "<CreateTime>{now}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>7</MsgId></xml>",
    "not-utf8": b"<xml><Content>\xff\xfe</Content></xml>",
    "empty": "",
    "whitespace": "   \n ",
}


def assert_nothing_changed(wechat) -> None:
    for model in (Conversation, InboxMessage, Case, OutboxMessage):
        assert wechat.count(model) == 0, model.__name__


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_bodies_that_are_not_wechat_messages_get_400(wechat, safe):
    for name, body in BAD_BODIES.items():
        if isinstance(body, str):
            body = body.format(account=ACCOUNT, openid=OPENID, now=wechat.servers.now())
        if safe and isinstance(body, str) and body.strip():
            response = wechat.servers.post(body, safe=True)  # correctly encrypted and signed
        else:
            response = wechat.servers.post(body, query=wechat.servers.query(safe=safe))
        assert response.status_code == 400, f"{name}: {response.status_code} {response.text}"
    assert_nothing_changed(wechat)


def test_oversized_bodies_get_400_whether_declared_or_streamed(wechat):
    async def chunks(total: int):
        for _ in range(total // 8192):
            yield b"<" * 8192

    big = text_xml(OPENID, "很" * MAX_BODY_BYTES, 8, wechat.servers.now())
    declared = wechat.servers.post(big)
    streamed = wechat.servers.post(chunks(MAX_BODY_BYTES * 2))  # chunked, no Content-Length
    assert declared.status_code == 400 and streamed.status_code == 400
    assert_nothing_changed(wechat)


def test_safe_mode_body_that_does_not_decrypt_gets_400(wechat):
    servers = wechat.servers
    query = servers.query(safe=True)
    garbage = "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
    query["msg_signature"] = sign(TOKEN, query["timestamp"], query["nonce"], garbage)
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    response = servers.post(body, query=query)
    assert response.status_code == 400
    assert_nothing_changed(wechat)


@pytest.mark.parametrize(
    "forgery",
    ["wrong-token", "no-signature", "stale", "from-the-future", "not-a-timestamp", "tampered-msg-signature"],
)
def test_forged_or_stale_requests_get_403(wechat, forgery):
    servers = wechat.servers
    now = servers.now()
    xml = text_xml(OPENID, "我要求助", 9, now)
    safe = forgery == "tampered-msg-signature"
    query = {
        "wrong-token": lambda: servers.query(token="guessed-token"),
        "no-signature": lambda: {k: v for k, v in servers.query().items() if k != "signature"},
        "stale": lambda: servers.query(timestamp=now - 301),
        "from-the-future": lambda: servers.query(timestamp=now + 301),
        "not-a-timestamp": lambda: {**servers.query(), "timestamp": "yesterday"},
        "tampered-msg-signature": lambda: servers.query(safe=True),
    }[forgery]()
    if safe:
        encrypted = parse_fields(
            servers.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        )
        query["msg_signature"] = "0" * 40
        body = (
            f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{encrypted['Encrypt']}</Encrypt></xml>"
        )
        response = servers.post(body, query=query)
    else:
        response = servers.post(xml, query=query)
    assert response.status_code == 403
    assert_nothing_changed(wechat)


def test_a_slightly_old_request_within_the_window_is_accepted(wechat):
    servers = wechat.servers
    xml = text_xml(OPENID, "我要求助", 10, servers.now())
    response = servers.post(xml, query=servers.query(timestamp=servers.now() - 299))
    assert "请描述" in servers.open_reply(response, safe=False)
