"""One Telegram chat floods; how long do the other chats wait for their answers?

yibang's web app (webhook mode, SQLite) in this process, with the tests' Bot API stand-in on 127.0.0.1
behind it. One citizen sends `--flood` messages (80) as fast as Telegram delivers them — up to 40 at once,
Telegram's default max_connections for a webhook — while `--others` citizens (10) each send a message
every 2.5 s (within the per-citizen limit of 30 a minute) for `--seconds` (30). For each of the others' messages: the time from posting its update to
the stand-in receiving the bot's answer in that chat. Also: how long the webhook requests took, and what
became of the flooding chat (answers sent, "please wait" repeats dropped, turns sent through the outbox).
Prints one JSON object.

    .venv/bin/python benchmarks/flood.py [--flood 80] [--others 10] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from support.telegram_stand_in import TOKEN, TelegramStandIn  # noqa: E402
from support.telegram_world import SECRET, WEBHOOK_URL, text_update, user  # noqa: E402

from bot.telegram.channel import TelegramChannel  # noqa: E402
from bot.telegram.webhook import PATH, SECRET_HEADER  # noqa: E402
from bot.webapp import create_web_app  # noqa: E402
from config import Settings  # noqa: E402
from handlers.services import Services  # noqa: E402

FLOODER = 7_000_001
OTHERS_FROM = 7_100_001
# Telegram's default for setWebhook's max_connections: how many updates it posts at once.
TELEGRAM_CONNECTIONS = 40
# Each other citizen's pace: within the handlers' 30 messages a minute, so every message is answered.
OTHERS_EVERY_SECONDS = 2.5
# An answer not there after this counts as never (and the run goes on).
GIVE_UP_SECONDS = 60.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50": round(statistics.median(values), 3),
            "p95": round(percentile(values, 0.95), 3), "max": round(max(values), 3)}


async def run(flood: int, others: int, seconds: float) -> dict[str, object]:
    api = TelegramStandIn().start()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, data_dir=Path(data_dir), secret_key="flood-benchmark-" + "k" * 32,
                            telegram_token=TOKEN, telegram_api_url=api.url, telegram_webhook_url=WEBHOOK_URL,
                            telegram_webhook_secret=SECRET)
        services = Services.from_settings(settings)
        channel = TelegramChannel(services)
        app = create_web_app(services, channel.routes(), on_startup=[channel.start], on_shutdown=[channel.stop])
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://yibang.bench") as http:
                    result = await _measure(http, api, channel, flood, others, seconds)
        finally:
            services.db.dispose()
            api.stop()
    return result


async def _measure(http: httpx.AsyncClient, api: TelegramStandIn, channel: TelegramChannel, flood: int,
                   others: int, seconds: float) -> dict[str, object]:
    requests: list[float] = []
    connections = asyncio.Semaphore(TELEGRAM_CONNECTIONS)

    async def post(update: dict) -> float:
        async with connections:
            started = time.monotonic()
            response = await http.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
            requests.append(time.monotonic() - started)
            assert response.status_code == 200, response.status_code
            return started

    waits: list[float] = []
    unanswered = 0

    async def other_citizen(user_id: int) -> None:
        nonlocal unanswered
        sender = user(user_id)
        for turn in itertools.count():
            if turn * OTHERS_EVERY_SECONDS >= seconds:
                return
            await asyncio.sleep(max(0.0, turn * OTHERS_EVERY_SECONDS - (time.monotonic() - began)))
            before = len(api.sent(user_id))
            started = await post(text_update(sender, "查看进度"))
            while len(api.sent(user_id)) <= before:
                if time.monotonic() - started > GIVE_UP_SECONDS:
                    unanswered += 1
                    break
                await asyncio.sleep(0.01)
            else:
                waits.append(_arrival(api, user_id, before) - started)

    # Warm up (jieba's dictionary, the database's first connections): not what is measured.
    for text in ("你好", "我要求助", "小区封控了家里老人断药"):
        await post(text_update(user(OTHERS_FROM - 1), text))

    await channel.chat.replies.settled()
    requests.clear()
    flooder = user(FLOODER)
    began = time.monotonic()
    flooding = [post(text_update(flooder, f"你好 第{index}条")) for index in range(flood)]
    await asyncio.gather(*flooding, *(other_citizen(OTHERS_FROM + index) for index in range(others)))
    flood_posted = time.monotonic() - began
    await channel.chat.replies.settled()
    return {
        "flood_messages": flood,
        "other_chats": others,
        "others_wait_seconds": figures(waits),
        "others_unanswered": unanswered,
        "webhook_request_seconds": figures(requests),
        "flood_posted_in_seconds": round(flood_posted, 2),
        "flooding_chat": {
            "messages_sent_to_it": len(api.sent(FLOODER)),
            "slow_down_repeats_dropped": channel.chat.replies.dropped,
            "all_sent_after_seconds": round(time.monotonic() - began, 2),
        },
    }


def _arrival(api: TelegramStandIn, chat_id: int, index: int) -> float:
    calls = [call for call in api.calls if call.method == "sendMessage" and str(call.params.get("chat_id")) == str(chat_id)]
    return calls[index].at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=80)
    parser.add_argument("--others", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.flood, args.others, args.seconds)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
