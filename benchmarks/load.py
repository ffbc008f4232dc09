"""Load on the running web app: many citizens at once through whole dialogues, over HTTP, as the platforms
would post them — WeChat callbacks signed as WeChat signs them, and Telegram webhook updates with their
secret header — beside a bare baseline measured in the same run.

Set-ups, each a real `python -m bot serve` (no scheduler in it, as in production beside `yibang scheduler`):
1 worker on SQLite, 1 worker on PostgreSQL, 2 workers on PostgreSQL (`serve --workers 2`). The baseline is a
bare Starlette app that only checks the WeChat signature, parses with wechatpy and replies. The load
generator is raw asyncio streams with keep-alive in this process (httpx would measure itself); a stand-in
Bot API in its own process answers the bot's sendMessage calls.

WeChat citizens send their next message as soon as the answer comes (closed loop: the most load one
connection can give). Telegram citizens wait a second between messages, as a person types, because the
bot keeps Telegram's per-chat limit on its replies. Prints one JSON object: requests/s, p50/p99/max
latency, cases created, errors, resident memory per worker after the run.

    .venv/bin/python benchmarks/load.py [--citizens 200] [--seconds 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.wechat_callback import (  # noqa: E402
    APP_ID,
    DISTRICTS,
    PROBLEMS,
    TOKEN,
    Connection,
    free_port,
    text_xml,
    wait_until_up,
)
from bot.wechat.signature import sign  # noqa: E402

SECRET_KEY = "load-benchmark-secret-key-that-is-long-enough"
BOT_TOKEN = "123456:load-benchmark"
WEBHOOK_SECRET = "load-benchmark-webhook-secret"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ---------------------------------------------------------------- a stand-in Bot API (its own process)

STANDIN = r'''
import asyncio, json, sys, time
ME = {"id": 123456, "is_bot": True, "first_name": "yibang", "username": "yibang_bot",
      "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length) if length else b""
            path = head.split(b" ", 2)[1].decode()
            method = path.rsplit("/", 1)[-1]
            if method == "getMe":
                result = ME
            elif method in ("sendMessage", "editMessageText"):
                result = {"message_id": 1, "date": int(time.time()), "chat": {"id": 1, "type": "private"},
                          "text": "ok"}
            else:
                result = True
            payload = json.dumps({"ok": True, "result": result}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
'''


# ---------------------------------------------------------------- the servers


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the workers under uvicorn's supervisor, or the server itself."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        workers = [pid for pid in pids if "multiprocessing" in _cmdline(pid) or "bot" in _cmdline(pid)]
        return workers or [self.process.pid]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def start_standin() -> Server:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", STANDIN, str(port)])
    return Server("bot-api", process, port)


def start_yibang(data_dir: Path, database_url: str | None, workers: int, bot_api_port: int) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    env.update({
        "YIBANG_DATA_DIR": str(data_dir),
        "YIBANG_SECRET_KEY": SECRET_KEY,
        "YIBANG_LOG_LEVEL": "WARNING",
        "YIBANG_WECHAT_TOKEN": TOKEN,
        "YIBANG_WECHAT_APP_ID": APP_ID,
        "YIBANG_WECHAT_APP_SECRET": "unused",
        "YIBANG_TELEGRAM_TOKEN": BOT_TOKEN,
        "YIBANG_TELEGRAM_API_URL": f"http://127.0.0.1:{bot_api_port}/bot",
        "YIBANG_TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram",
        "YIBANG_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # a load test is many citizens, each within the per-citizen limit; keep the limit out of the way
        "YIBANG_RATE_BURST": "50",
    })
    if database_url:
        env["YIBANG_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--no-scheduler"]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return Server(f"yibang-{workers}", process, port)


def start_baseline() -> Server:
    port = free_port()
    code = "from benchmarks.wechat_callback import serve_baseline; import sys; serve_baseline(int(sys.argv[1]))"
    process = subprocess.Popen([sys.executable, "-c", code, str(port)], cwd=ROOT)
    return Server("baseline", process, port)


def pg_schema(url: str) -> tuple[str, str]:
    schema = f"yibang_load_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", schema


def count_cases(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM cases")).scalar_one()
    engine.dispose()
    return int(count)


def drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


# ---------------------------------------------------------------- the citizens


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    deferred: int = 0
    dialogues: int = 0
    told_numbers: int = 0


def wechat_target() -> str:
    stamp = str(int(time.time()))
    nonce = secrets.token_hex(5)
    return "/wechat?" + urlencode({"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce})


def script(index: int, round_: int) -> list[str]:
    return ["我要求助", f"市民{index % 100}", f"139{(index * 1000 + round_) % 10**8:08d}",
            DISTRICTS[index % len(DISTRICTS)], PROBLEMS[(index + round_) % len(PROBLEMS)], "确认"]


async def wechat_citizen(port: int, index: int, stop_at: float, tally: Tally, baseline: bool) -> None:
    connection = await Connection.open(port)
    round_ = 0
    try:
        while time.perf_counter() < stop_at:
            openid = f"oLoad{index:08d}r{round_:05d}"
            answer = b""
            for turn in script(index, round_):
                if time.perf_counter() >= stop_at:
                    return
                started = time.perf_counter()
                status, answer = await connection.request("POST", wechat_target(), text_xml(openid, turn))
                tally.latencies.append(time.perf_counter() - started)
                if status != 200:
                    tally.errors += 1
                elif answer == b"success" and not baseline:
                    tally.deferred += 1
            tally.dialogues += 1
            tally.told_numbers += "已受理".encode() in answer
            round_ += 1
    finally:
        await connection.close()


_update_ids = iter(range(10_000_000, 10**10))


async def telegram_citizen(port: int, index: int, stop_at: float, tally: Tally, think: float) -> None:
    connection = await Connection.open(port)
    round_ = 0
    try:
        while time.perf_counter() < stop_at:
            user = 5_000_000 + index * 10_000 + round_
            for turn in script(index, round_):
                if time.perf_counter() >= stop_at:
                    return
                update_id = next(_update_ids)
                update = {"update_id": update_id, "message": {
                    "message_id": update_id, "date": int(time.time()), "text": turn,
                    "chat": {"id": user, "type": "private"},
                    "from": {"id": user, "is_bot": False, "first_name": "市民"}}}
                body = json.dumps(update, ensure_ascii=False).encode()
                started = time.perf_counter()
                status, _ = await connection.request(
                    "POST", "/telegram", body,
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"},
                )
                tally.latencies.append(time.perf_counter() - started)
                if status != 200:
                    tally.errors += 1
                await asyncio.sleep(min(think, max(0.0, stop_at - time.perf_counter())))
            tally.dialogues += 1
            round_ += 1
    finally:
        await connection.close()


async def drive(port: int, citizens: int, seconds: float, *, telegram_share: float, baseline: bool) -> dict:
    await wait_until_up(port)
    telegram = 0 if baseline else int(citizens * telegram_share)
    warm = Tally()
    await asyncio.gather(*(wechat_citizen(port, 900_000 + i, time.perf_counter() + 1, warm, baseline)
                           for i in range(4)))
    wechat_tally, telegram_tally = Tally(), Tally()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(wechat_citizen(port, i, stop_at, wechat_tally, baseline) for i in range(citizens - telegram)),
        *(telegram_citizen(port, 100_000 + i, stop_at, telegram_tally, 1.0) for i in range(telegram)),
    )
    # Requests that began before the end and finished a little after still count against the window.
    elapsed = max(seconds, time.perf_counter() - started)
    latencies = sorted(wechat_tally.latencies + telegram_tally.latencies)
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "over_2s": sum(1 for latency in latencies if latency > 2.0),
        "errors": wechat_tally.errors + telegram_tally.errors,
        "wechat_deferred": wechat_tally.deferred,
        "wechat_requests": len(wechat_tally.latencies),
        "telegram_requests": len(telegram_tally.latencies),
        "dialogues_finished": wechat_tally.dialogues + telegram_tally.dialogues,
        "case_numbers_told_on_wechat": wechat_tally.told_numbers,
    }


# ---------------------------------------------------------------- the runs


def run_yibang(label: str, database: str, workers: int, args) -> dict:
    bot_api = start_standin()
    schema = None
    with tempfile.TemporaryDirectory() as data_dir:
        url = None
        if database == "postgresql":
            url, schema = pg_schema(args.database_url)
        server = start_yibang(Path(data_dir), url, workers, bot_api.port)
        try:
            figures = asyncio.run(drive(server.port, args.citizens, args.seconds,
                                        telegram_share=args.telegram_share, baseline=False))
            figures["rss_mb_per_worker"] = [rss_mb(pid) for pid in server.worker_pids()]
        finally:
            server.stop()
            bot_api.stop()
        figures["cases_created"] = count_cases(url or f"sqlite:///{data_dir}/yibang.sqlite3")
        if schema:
            drop_schema(args.database_url, schema)
    return {"setup": label, "database": database, "workers": workers, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--telegram-share", type=float, default=0.2)
    parser.add_argument("--database-url", default=os.environ.get("YIBANG_TEST_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--only", choices=["sqlite", "pg1", "pg2"], action="append")
    args = parser.parse_args()
    wanted = args.only or ["sqlite", "pg1", "pg2"]

    baseline_server = start_baseline()
    try:
        baseline = asyncio.run(drive(baseline_server.port, args.citizens, args.seconds, telegram_share=0,
                                     baseline=True))
    finally:
        baseline_server.stop()
    runs = []
    if "sqlite" in wanted:
        runs.append(run_yibang("1 worker, SQLite", "sqlite", 1, args))
    if "pg1" in wanted:
        runs.append(run_yibang("1 worker, PostgreSQL", "postgresql", 1, args))
    if "pg2" in wanted:
        runs.append(run_yibang("2 workers, PostgreSQL", "postgresql", 2, args))
    for run in runs:
        run["share_of_baseline"] = round(run["requests_per_second"] / baseline["requests_per_second"], 3)
    print(json.dumps({
        "citizens": args.citizens,
        "seconds": args.seconds,
        "telegram_share": args.telegram_share,
        "cpus": os.cpu_count(),
        "baseline_bare_starlette_wechatpy": baseline,
        "runs": runs,
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
