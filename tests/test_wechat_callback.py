"""Citizens on the WeChat official account, end to end: WeChat's servers post signed (and, in safe mode,
AES-encrypted) XML to yibang's /wechat over real HTTP, and read the passive replies."""

from __future__ import annotations

import threading

import pytest
from support.wechat_stand_in import CUSTOM, ROBOT

import bot.wechat.route
from storage.models import Case, Conversation, InboxMessage, OutboxMessage


def test_server_verification_echoes_echostr_only_for_a_valid_signature(wechat):
    servers = wechat.servers
    good = servers.get({**servers.query(), "echostr": "e42"})
    assert (good.status_code, good.text) == (200, "e42")
    forged = servers.get({**servers.query(token="guess"), "echostr": "e42"})
    assert forged.status_code == 403 and "e42" not in forged.text


@pytest.mark.parametrize("safe", [True, False], ids=["safe-mode", "plain-mode"])
def test_citizen_files_a_case_and_staff_get_the_card_on_wecom(wechat, safe):
    citizen = wechat.citizen(safe=safe)
    welcome = citizen.event("subscribe")
    assert "我要求助" in welcome and "回复 1 选择 我要求助" in welcome
    summary = citizen.reaches_confirmation()
    assert "13912345678" in summary and "回复 1 选择 确认提交" in summary
    filed = citizen.says("确认")
    assert "已受理，编号 ZZ20220110-0001" in filed
    assert "\n\n" in filed, "the urgent notice and the filing answer are one message, a blank line apart"
    case = wechat.only_case()
    assert (case.channel, case.user_key, case.chat_key) == ("wechat", citizen.openid, citizen.openid)
    wechat.deliver()
    cards = wechat.stand_in.delivered(ROBOT)
    assert len(cards) == 1
    card = cards[0]["markdown"]["content"]
    assert cards[0]["msgtype"] == "markdown"
    assert "ZZ20220110-0001" in card and "139****5678" in card and "13912345678" not in card
    progress = citizen.says("查看进度")
    assert "ZZ20220110-0001" in progress


def test_the_same_confirmation_posted_three_times_at_once_files_one_case(wechat):
    citizen = wechat.citizen(safe=True)
    citizen.reaches_confirmation()
    confirmation = citizen.xml("确认")
    responses = wechat.servers.post_together(confirmation, 3, safe=True)
    answers = [wechat.servers.open_reply(response, safe=True) for response in responses]
    assert all("已受理，编号 ZZ20220110-0001" in answer for answer in answers)
    assert wechat.count(Case) == 1


@pytest.mark.wechat(wechat_reply_budget_seconds=0.05)
def test_slow_handling_answers_success_and_the_reply_comes_once_as_a_customer_service_message(
    services, wechat, monkeypatch
):
    release = threading.Event()
    real_handle = bot.wechat.route.handle

    def slow_handle(services, incoming, *signed):
        release.wait(timeout=30)
        return real_handle(services, incoming, *signed)

    monkeypatch.setattr(bot.wechat.route, "handle", slow_handle)
    # The budget is kept where handlers run on threads (PostgreSQL); on SQLite a message takes about a
    # millisecond on the event loop itself (bot/runner.py), so this story runs threaded there too.
    monkeypatch.setattr(services.db, "inline_writes", False)

    citizen = wechat.citizen(safe=True)
    message = citizen.xml("我要求助")
    first = wechat.servers.post(message, safe=True)
    assert first.text == "success"
    retry = wechat.servers.post(message, safe=True)  # WeChat retries the same MsgId
    assert retry.text == "success"
    release.set()
    wechat.deliver()
    sent = wechat.stand_in.delivered(CUSTOM)
    assert len(sent) == 1
    assert sent[0]["touser"] == citizen.openid and "请描述" in sent[0]["text"]["content"]
    late = wechat.servers.post(message, safe=True)  # a third retry, after it all
    assert late.text == "success"
    wechat.deliver()
    assert len(wechat.stand_in.attempts(CUSTOM)) == 1
    assert wechat.count(InboxMessage) == 1


def test_menu_clicks_voice_and_location(wechat):
    citizen = wechat.citizen()
    assert "请描述" in citizen.event("CLICK", "REQUEST_HELP")
    assert "怎么称呼" in citizen.sends("voice", MediaId="m1", Format="amr", Recognition="想问问现在高铁能不能正常出行")
    assert "手机号" in citizen.says("王女士")
    assert "哪个区县" in citizen.says("13912345678")
    located = citizen.sends(
        "location", Location_X="34.80", Location_Y="113.66", Scale="15", Label="郑州市金水区花园路"
    )
    assert "金水区" in located and "请核对" in located
    assert "暂时无法识别语音" in citizen.sends("voice", MediaId="m2", Format="amr")
    assert "照片已收到" in citizen.sends("image", PicUrl="http://p/1.jpg", MediaId="m3")
    progress = citizen.event("CLICK", "PROGRESS")
    assert "还没有提交过求助" in progress


def test_events_that_are_not_the_citizens_doing_are_acknowledged_and_change_nothing(wechat):
    citizen = wechat.citizen()
    assert citizen.event("TEMPLATESENDJOBFINISH") == "success"
    assert citizen.event("VIEW", "https://example.org") == "success"
    assert citizen.event("some_future_event") == "success"
    assert wechat.count(Conversation) == 0
    assert citizen.event("unsubscribe") == "success"
    with wechat.services.db.reading() as session:
        assert session.query(Conversation).one().unreachable_at is not None


def test_a_reply_with_a_cdata_terminator_stays_one_well_formed_text(wechat):
    citizen = wechat.citizen(safe=True)
    citizen.says("我要求助")
    problem = "小区门口 ]]><MsgType>news</MsgType> 的药店关门了，家里老人断药"
    assert "回复 2 选择 家人/他人" in citizen.says(problem), "numbered choices on WeChat"
    citizen.says("2")
    citizen.says("张女士")
    citizen.says("13912345678")
    summary = citizen.says("金水区")
    assert problem in summary


def test_a_passive_answer_queues_nothing_for_the_citizen_only_the_staff_card(wechat):
    wechat.citizen().files()
    wechat.deliver()
    with wechat.services.db.reading() as session:
        statuses = {row.channel: row.status for row in session.query(OutboxMessage)}
    assert statuses == {"wecom": "sent"}
