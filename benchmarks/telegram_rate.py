"""Telegram flood limits, measured: what yibang's FloodControl lets through, and how fast.

Sends real Bot API calls through python-telegram-bot to the test suite's stand-in server on 127.0.0.1
and reads the arrival times it recorded:
- 90 messages to 90 citizens at once: the most that arrived in any one second (limit 30) and the time taken;
- 6 messages to one citizen at once: the most in any 3 seconds (limit 3, i.e. one a second on average);
- 100 messages to one group, on a simulated clock (the real one would take four minutes): the most in any
  60 seconds (limit 20);
- the limiter's own cost per message.
Prints one JSON object.

    .venv/bin/python benchmarks/telegram_rate.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pydantic import SecretStr  # noqa: E402
from support.telegram_stand_in import TOKEN, TelegramStandIn  # noqa: E402

from bot.telegram.application import make_bot  # noqa: E402
from bot.telegram.limits import FloodControl  # noqa: E402
from config import Settings  # noqa: E402


def most_in_any_window(times: list[float], seconds: float) -> int:
    # A small allowance for the clock read on the stand-in's side of the socket.
    return max(sum(1 for t in times if start <= t < start + seconds - 0.005) for start in times)


async def send_at_once(settings: Settings, api: TelegramStandIn, chats: list[int]) -> dict[str, float]:
    api.reset()
    bot = make_bot(settings, FloodControl())
    async with bot:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(chat_id=chat, text="通知") for chat in chats))
        took = time.monotonic() - started
    times = [call.at for call in api.calls if call.method == "sendMessage"]
    return {"messages": len(times), "seconds": round(took, 2),
            "most_in_1s": most_in_any_window(times, 1.0), "most_in_3s": most_in_any_window(times, 3.0)}


def group_on_a_simulated_clock(count: int) -> dict[str, float]:
    now = [0.0]
    flood = FloodControl(clock=lambda: now[0])
    times = []
    for _ in range(count):
        while (wait := flood.delay(-1001)) > 0:
            now[0] += wait
        flood.record(-1001)
        times.append(now[0])
    return {"messages": count, "simulated_seconds": times[-1], "most_in_60s": most_in_any_window(times, 60.0)}


def limiter_cost(count: int = 100_000) -> float:
    flood = FloodControl()
    started = time.perf_counter()
    for n in range(count):
        flood.delay(n)
        flood.record(n)
    return round((time.perf_counter() - started) / count * 1e6, 2)


def main() -> None:
    api = TelegramStandIn().start()
    try:
        settings = Settings(_env_file=None, telegram_token=SecretStr(TOKEN), telegram_api_url=api.url)
        citizens = asyncio.run(send_at_once(settings, api, list(range(1, 91))))
        one_chat = asyncio.run(send_at_once(settings, api, [4242] * 6))
    finally:
        api.stop()
    print(json.dumps({
        "90_citizens_at_once": citizens,
        "6_messages_to_one_citizen": one_chat,
        "100_messages_to_one_group": group_on_a_simulated_clock(100),
        "limiter_microseconds_per_message": limiter_cost(),
    }, indent=2))


if __name__ == "__main__":
    main()
