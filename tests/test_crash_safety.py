"""Crash safety: the web worker is killed (SIGKILL) at random moments under load, twenty times over.

Citizens keep talking through it the way WeChat's servers do — a request that got no answer is sent again
with the same MsgId. Afterwards: every case number a citizen was told exists, no dialogue made two cases,
and the conversations that were cut off carry on to a case.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from itertools import count
from pathlib import Path

import httpx
from support.wechat_world import text_xml

from bot.wechat.signature import sign

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "crash-test-token"
KILLS = 20
CITIZENS = 8
SCRIPT = ["我要求助", "小区封控了，家里老人的降压药只剩两天", "2", "张女士", "13912345678", "金水区", "确认"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """`python -m bot serve` on a SQLite file, killed and started again by the test."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
        self.env.update(
            YIBANG_DATA_DIR=str(data_dir), YIBANG_SECRET_KEY="crash-test-secret-" + "x" * 32,
            YIBANG_WECHAT_TOKEN=TOKEN, YIBANG_WECHAT_APP_ID="wxcrashtest0000001", YIBANG_WECHAT_APP_SECRET="s",
            YIBANG_LOG_LEVEL="WARNING", YIBANG_RATE_BURST="100",
        )
        self.process: subprocess.Popen | None = None

    async def start(self, client: httpx.AsyncClient) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--no-scheduler", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("the worker did not come up")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


_msg_ids = count(30_000_000_001)


async def post_until_answered(client: httpx.AsyncClient, worker: Worker, openid: str, content: str) -> str:
    """One message, resent with the same MsgId until it is answered (as WeChat retries)."""
    msg_id = next(_msg_ids)
    created = int(time.time())
    while True:
        stamp = str(int(time.time()))
        nonce = f"{random.randrange(10**9)}"
        params = {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce}
        try:
            answer = await client.post(f"http://127.0.0.1:{worker.port}/wechat", params=params,
                                       content=text_xml(openid, content, msg_id, created), timeout=10)
            if answer.status_code == 200:
                return answer.text
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)


async def citizen(client, worker, index: int, told: dict[str, str], finished: list[int], stop: asyncio.Event):
    round_ = 0
    while not stop.is_set():
        openid = f"oCrash{index:03d}r{round_:04d}"
        answer = ""
        for content in SCRIPT:
            answer = await post_until_answered(client, worker, openid, content)
        if "已受理，编号 " in answer:
            told[openid] = answer.split("已受理，编号 ", 1)[1].split("。", 1)[0]
        finished.append(index)
        round_ += 1


def test_killed_worker_loses_no_case_and_makes_none_twice(tmp_path):
    worker = Worker(tmp_path / "data")
    told: dict[str, str] = {}
    finished: list[int] = []
    rng = random.Random(20220110)

    async def story() -> None:
        async with httpx.AsyncClient() as client:
            await worker.start(client)
            stop = asyncio.Event()
            talking = [asyncio.create_task(citizen(client, worker, i, told, finished, stop)) for i in range(CITIZENS)]
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.05, 0.6))
                worker.kill()
                await worker.start(client)
            after_last_kill = len(finished)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*talking), timeout=120)
            assert len(finished) > after_last_kill, "the cut-off conversations carried on to a case"
        worker.stop()

    try:
        asyncio.run(story())
    finally:
        worker.stop()

    database = sqlite3.connect(tmp_path / "data" / "yibang.sqlite3")
    cases = database.execute("SELECT number, user_key FROM cases").fetchall()
    numbers = [number for number, _ in cases]
    per_citizen = defaultdict(list)
    for number, user_key in cases:
        per_citizen[user_key].append(number)
    assert told, "citizens were told case numbers"
    assert set(told.values()) <= set(numbers), "every case number a citizen was told exists"
    assert len(numbers) == len(set(numbers))
    assert all(len(found) == 1 for found in per_citizen.values()), "no dialogue made two cases"
    for openid, number in told.items():
        assert per_citizen[openid] == [number]
