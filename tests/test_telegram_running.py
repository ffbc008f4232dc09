"""Running the bot as its operator does: long polling in-process and under `yibang run`, the webhook
registered by `yibang telegram set-webhook`, and clear words when a setting is wrong. Waits are bounded
polls for a condition, never sleeps."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from support.telegram_stand_in import TOKEN
from support.telegram_world import contact, flood_following, message_update, telegram_services, text_update, user

from bot.telegram.channel import TelegramChannel

YIBANG = [sys.executable, "-m", "bot"]


def test_polling_takes_updates_from_get_updates_and_answers_them_in_order(services, bot_api):
    bot_api.reset()
    polling = telegram_services(services, bot_api, webhook=False)
    alice = user(4001, "Alice")
    for update in (text_update(alice, "/start"), text_update(alice, "想问下现在高铁能不能正常出行"),
                   text_update(alice, "张女士"), message_update(alice, **contact("13912345678", user_id=4001))):
        bot_api.queue_update(update)

    async def run() -> None:
        channel = TelegramChannel(polling, flood=flood_following(services.clock))
        await channel.start()
        try:
            await bot_api.until(lambda: len(bot_api.sent(4001)) >= 4)
        finally:
            await channel.stop()

    asyncio.run(run())
    answers = [message["text"] for message in bot_api.sent(4001)]
    assert "请描述" in answers[0] and "怎么称呼" in answers[1] and "手机号" in answers[2]
    assert "哪个区县" in answers[3]
    assert bot_api.called("deleteWebhook") and bot_api.called("setMyCommands")
    polls = bot_api.called("getUpdates")
    assert polls[0]["allowed_updates"] == ["message", "edited_message", "my_chat_member", "callback_query"]


@pytest.fixture
def env(tmp_path, bot_api):
    """A new user's environment: the bot's token and, for the stand-in, the API URL. Nothing else."""
    bot_api.reset()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    environment.update(
        YIBANG_DATA_DIR=str(tmp_path / "data"),
        YIBANG_TELEGRAM_TOKEN=TOKEN,
        YIBANG_TELEGRAM_API_URL=bot_api.url,
    )
    return environment


def test_yibang_run_with_only_a_token_serves_telegram_by_polling_and_stops_on_sigterm(env, bot_api):
    alice = user(4242, "Alice")
    dialogue = ["/start", "我母亲每周二四六做血液透析，小区封控了出不去", "2", "张女士", "13912345678", "金水区", "确认"]
    for text in dialogue:
        bot_api.queue_update(text_update(alice, text))
    process = subprocess.Popen(YIBANG + ["run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        bot_api.wait_until(lambda: any("已受理" in m["text"] for m in bot_api.sent(4242)), timeout=90)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    answers = [m["text"] for m in bot_api.sent(4242)]
    assert "请描述" in answers[0] and any(a.startswith("已受理，编号 ZZ") for a in answers[-2:])
    assert stdout == ""
    assert TOKEN not in stderr


def test_yibang_run_delivers_the_staff_card_through_its_scheduler(env, bot_api):
    env["YIBANG_TELEGRAM_STAFF_CHAT_ID"] = "-100777"
    alice = user(4343, "Alice")
    for text in ["/start", "小区封控三天了，家里没有菜了", "张女士 13912345678", "金水区绿城小区", "确认"]:
        bot_api.queue_update(text_update(alice, text))
    process = subprocess.Popen(YIBANG + ["run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        bot_api.wait_until(lambda: bot_api.sent(-100777), timeout=90)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    [card] = bot_api.sent(-100777)
    assert "139****5678" in card["text"] and "13912345678" not in card["text"]


def test_a_rejected_token_stops_run_with_the_variables_name(env, bot_api):
    env["YIBANG_TELEGRAM_TOKEN"] = "999:not-the-token"
    result = subprocess.run(YIBANG + ["run"], env=env, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 2
    assert "YIBANG_TELEGRAM_TOKEN: rejected" in result.stderr and "Traceback" not in result.stderr
    assert "not-the-token" not in result.stderr


def test_set_webhook_registers_the_url_with_its_secret(env, bot_api):
    env.update(YIBANG_TELEGRAM_WEBHOOK_URL="https://yibang.example.org/telegram",
               YIBANG_TELEGRAM_WEBHOOK_SECRET="s3cret_-token")
    result = subprocess.run(YIBANG + ["telegram", "set-webhook"], env=env, capture_output=True, text=True,
                            timeout=90, check=False)
    assert result.returncode == 0, result.stderr
    [registered] = bot_api.called("setWebhook")
    assert registered["url"] == "https://yibang.example.org/telegram"
    assert registered["secret_token"] == "s3cret_-token" and registered["drop_pending_updates"] is False
    assert bot_api.called("setMyCommands")


def test_a_webhook_without_a_secret_is_refused_before_anything_starts(env, bot_api):
    env["YIBANG_TELEGRAM_WEBHOOK_URL"] = "https://yibang.example.org/telegram"
    for command in (["run"], ["serve"], ["telegram", "set-webhook"]):
        result = subprocess.run(YIBANG + command, env=env, capture_output=True, text=True, timeout=90, check=False)
        assert result.returncode == 2
        assert "YIBANG_TELEGRAM_WEBHOOK_SECRET" in result.stderr and "required" in result.stderr
        assert "Traceback" not in result.stderr
    assert bot_api.calls == []


def test_the_terminal_chat_tells_the_telegram_staff_group_too(env, bot_api):
    env["YIBANG_TELEGRAM_STAFF_CHAT_ID"] = "-100778"
    # Nine lines: within the per-citizen burst the handlers allow.
    first = "小区封控三天了，家里没有菜了，我住在金水区\n张女士 13912345678\n跳过\n1\n"
    second = "我要求助\n降压药吃完了，药店都关门了\n1\n二七\n1\n"
    result = subprocess.run(YIBANG + ["console", "--user", "alice"], env=env, input=first + second,
                            capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("已受理，编号 ZZ") == 2
    # Each line's deliveries run in an event loop of their own; both cards arrive.
    cards = bot_api.sent(-100778)
    assert len(cards) == 2 and all("139****5678" in card["text"] for card in cards)
