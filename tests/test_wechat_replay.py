"""A captured WeChat signature opens nothing: the query's signature covers token, timestamp and nonce,
never the body, so each (timestamp, nonce) is taken once; with an AES key only safe-mode bodies (whose
own msg_signature covers them) are taken, unless YIBANG_WECHAT_MODE=compatible. And a MsgId is a
sender's: another sender's message with the same id neither gets the first answer nor is swallowed."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.citizens import NAME, PHONE
from support.wechat_world import OPENID, text_xml

from handlers.messages import Incoming, IncomingKind
from handlers.process import handle
from handlers.replay import forget_expired
from storage.models import InboxMessage, SignedNonce

ATTACKER = "oAttacker00000000000000000001"
_runs = itertools.count()


def test_a_signed_query_used_again_with_another_body_is_refused(wechat):
    citizen = wechat.citizen()
    number = citizen.files()
    query = wechat.servers.query()
    first = wechat.servers.post(citizen.xml("查看进度"), query=dict(query))
    assert number in wechat.servers.open_reply(first, safe=False)
    # The query string (with the openid) is in a proxy's access log: posted again with a withdrawal.
    replayed = wechat.servers.post(citizen.xml("撤回"), query=dict(query))
    assert replayed.status_code == 403
    assert wechat.only_case().status == "received"


def test_the_same_request_posted_again_is_a_retry_not_a_replay(wechat):
    citizen = wechat.citizen()
    query = wechat.servers.query()
    xml = citizen.xml("我要求助")
    first = wechat.servers.open_reply(wechat.servers.post(xml, query=dict(query)), safe=False)
    again = wechat.servers.open_reply(wechat.servers.post(xml, query=dict(query)), safe=False)
    assert again == first
    assert wechat.count(InboxMessage) == 1


def test_used_signatures_are_forgotten_once_too_old_to_pass(wechat):
    citizen = wechat.citizen()
    citizen.says("我要求助")
    assert wechat.count(SignedNonce) == 1
    services = wechat.services
    assert forget_expired(services, services.clock.now()) == 0
    later = services.clock.now() + timedelta(seconds=services.settings.wechat_max_age_seconds + 1)
    assert forget_expired(services, later) == 1
    assert wechat.count(SignedNonce) == 0


@pytest.mark.wechat(wechat_mode="safe")
def test_with_an_aes_key_a_plain_body_is_refused(wechat):
    wechat.citizen(safe=True).files()
    plain = wechat.servers.post(text_xml(OPENID, "撤回", 4242, wechat.servers.now()))
    assert plain.status_code == 403
    assert wechat.only_case().status == "received"


@pytest.mark.wechat(wechat_mode="compatible")
def test_compatible_mode_takes_plain_bodies_too(wechat):
    assert "success" != wechat.citizen().says("我要求助")
    assert "success" != wechat.citizen("oOther000000000000000000002", safe=True).says("我要求助")


def test_another_senders_message_with_the_same_msgid_is_their_own(wechat):
    citizen = wechat.citizen()
    citizen.reaches_confirmation()
    summary = wechat.servers.open_reply(wechat.servers.post(text_xml(OPENID, "查看进度", 777, wechat.servers.now())),
                                        safe=False)
    attacker = wechat.servers.open_reply(
        wechat.servers.post(text_xml(ATTACKER, "查看进度", 777, wechat.servers.now())), safe=False)
    assert attacker != summary
    assert PHONE not in attacker and NAME not in attacker


def _incoming(user: str, message_id: str, text: str, services) -> Incoming:
    return Incoming(channel="wechat", user_key=user, chat_key=user, message_id=message_id,
                    kind=IncomingKind.TEXT, at=services.clock.now(), text=text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message_id=st.text(alphabet="0123456789", min_size=1, max_size=19),
       first=st.sampled_from(["oA", "oB", "oC"]), second=st.sampled_from(["oD", "oE"]))
def test_a_msgid_sent_first_by_someone_else_swallows_nothing(services, message_id, first, second):
    run = next(_runs)  # the database lives across examples: each example's citizens are new ones
    first, second = f"{first}{run}", f"{second}{run}"
    early = handle(services, _incoming(first, message_id, "你好", services))
    real = handle(services, _incoming(second, message_id, "我要求助", services))
    assert not real.duplicate
    assert real.replies != early.replies
    assert handle(services, _incoming(second, message_id, "我要求助", services)).duplicate
