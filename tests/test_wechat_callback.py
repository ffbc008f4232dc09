"""Citizens on the WeChat official account, end to end: WeChat's servers post signed (and, in safe mode,
AES-encrypted) XML to yibang's /wechat over real HTTP, and read the passive replies."""

from __future__ import annotations

import asyncio
import threading

import pytest
from wechat_stand_in import CUSTOM, ROBOT
from wechat_world import wechat_world

import bot.wechat.route
from storage.models import Case, Conversation, InboxMessage, OutboxMessage


def test_server_verification_echoes_echostr_only_for_a_valid_signature(services):
    async def story():
        async with wechat_world(services) as world:
            servers = world.servers
            good = await servers.http.get(
                f"{servers.base_url}/wechat", params={**servers.query(), "echostr": "e42"}
            )
            assert (good.status_code, good.text) == (200, "e42")
            forged = await servers.http.get(
                f"{servers.base_url}/wechat", params={**servers.query(token="guess"), "echostr": "e42"}
            )
            assert forged.status_code == 403 and "e42" not in forged.text

    asyncio.run(story())


@pytest.mark.parametrize("safe", [True, False], ids=["safe-mode", "plain-mode"])
def test_citizen_files_a_case_and_staff_get_the_card_on_wecom(services, safe):
    async def story():
        async with wechat_world(services) as world:
            citizen = world.citizen(safe=safe)
            welcome = await citizen.event("subscribe")
            assert "我要求助" in welcome and "回复 1 选择 我要求助" in welcome
            summary = await citizen.reaches_confirmation()
            assert "13912345678" in summary and "回复 1 选择 确认提交" in summary
            filed = await citizen.says("确认")
            assert "已受理，编号 ZZ20220110-0001" in filed
            assert "\n\n" in filed, (
                "the urgent notice and the filing answer are one message, a blank line apart"
            )
            case = world.only_case()
            assert (case.channel, case.user_key, case.chat_key) == ("wechat", citizen.openid, citizen.openid)
            await world.deliver()
            cards = world.stand_in.delivered(ROBOT)
            assert len(cards) == 1
            card = cards[0]["markdown"]["content"]
            assert cards[0]["msgtype"] == "markdown"
            assert "ZZ20220110-0001" in card and "139****5678" in card and "13912345678" not in card
            progress = await citizen.says("查看进度")
            assert "ZZ20220110-0001" in progress

    asyncio.run(story())


def test_the_same_confirmation_posted_three_times_at_once_files_one_case(services):
    async def story():
        async with wechat_world(services) as world:
            citizen = world.citizen(safe=True)
            await citizen.reaches_confirmation()
            confirmation = citizen.xml("确认")
            responses = await asyncio.gather(*(world.servers.post(confirmation, safe=True) for _ in range(3)))
            answers = [world.servers.open_reply(response, safe=True) for response in responses]
            assert all("已受理，编号 ZZ20220110-0001" in answer for answer in answers)
            assert world.count(Case) == 1

    asyncio.run(story())


def test_slow_handling_answers_success_and_the_reply_comes_once_as_a_customer_service_message(
    services, monkeypatch
):
    release = threading.Event()
    real_handle = bot.wechat.route.handle

    def slow_handle(services, incoming):
        release.wait(timeout=30)
        return real_handle(services, incoming)

    monkeypatch.setattr(bot.wechat.route, "handle", slow_handle)
    # The budget is kept where handlers run on threads (PostgreSQL); on SQLite a message takes about a
    # millisecond on the event loop itself (bot/runner.py), so this story runs threaded there too.
    monkeypatch.setattr(services.db, "inline_writes", False)

    async def story():
        async with wechat_world(services, wechat_reply_budget_seconds=0.05) as world:
            citizen = world.citizen(safe=True)
            message = citizen.xml("我要求助")
            first = await world.servers.post(message, safe=True)
            assert first.text == "success"
            retry = await world.servers.post(message, safe=True)  # WeChat retries the same MsgId
            assert retry.text == "success"
            release.set()
            await world.deliver()
            sent = world.stand_in.delivered(CUSTOM)
            assert len(sent) == 1
            assert sent[0]["touser"] == citizen.openid and "怎么称呼" in sent[0]["text"]["content"]
            late = await world.servers.post(message, safe=True)  # a third retry, after it all
            assert late.text == "success"
            await world.deliver()
            assert len(world.stand_in.attempts(CUSTOM)) == 1
            assert world.count(InboxMessage) == 1

    asyncio.run(story())


def test_menu_clicks_voice_and_location(services):
    async def story():
        async with wechat_world(services) as world:
            citizen = world.citizen()
            assert "怎么称呼" in await citizen.event("CLICK", "REQUEST_HELP")
            assert "手机号" in await citizen.sends("voice", MediaId="m1", Format="amr", Recognition="王女士")
            assert "哪个区县" in await citizen.says("13912345678")
            located = await citizen.sends(
                "location", Location_X="34.80", Location_Y="113.66", Scale="15", Label="郑州市金水区花园路"
            )
            assert "金水区" in located and "请描述" in located
            assert "暂时无法识别语音" in await citizen.sends("voice", MediaId="m2", Format="amr")
            assert "照片已收到" in await citizen.sends("image", PicUrl="http://p/1.jpg", MediaId="m3")
            progress = await citizen.event("CLICK", "PROGRESS")
            assert "还没有提交过求助" in progress

    asyncio.run(story())


def test_events_that_are_not_the_citizens_doing_are_acknowledged_and_change_nothing(services):
    async def story():
        async with wechat_world(services) as world:
            citizen = world.citizen()
            assert await citizen.event("TEMPLATESENDJOBFINISH") == "success"
            assert await citizen.event("VIEW", "https://example.org") == "success"
            assert await citizen.event("some_future_event") == "success"
            assert world.count(Conversation) == 0
            assert await citizen.event("unsubscribe") == "success"
            with world.services.db.reading() as session:
                assert session.query(Conversation).one().unreachable_at is not None

    asyncio.run(story())


def test_a_reply_with_a_cdata_terminator_stays_one_well_formed_text(services):
    async def story():
        async with wechat_world(services) as world:
            citizen = world.citizen(safe=True)
            await citizen.says("我要求助")
            await citizen.says("张女士")
            await citizen.says("13912345678")
            await citizen.says("金水区")
            problem = "小区门口 ]]><MsgType>news</MsgType> 的药店关门了，家里老人断药"
            summary = await citizen.says(problem)
            assert problem in summary

    asyncio.run(story())


def test_a_passive_answer_queues_nothing_for_the_citizen_only_the_staff_card(services):
    async def story():
        async with wechat_world(services) as world:
            await world.citizen().files()
            await world.deliver()
            with world.services.db.reading() as session:
                statuses = {row.channel: row.status for row in session.query(OutboxMessage)}
            assert statuses == {"wecom": "sent"}

    asyncio.run(story())
