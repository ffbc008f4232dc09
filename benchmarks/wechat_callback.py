"""Latency of the WeChat callback (/wechat) under 200 citizens at once, beside a bare baseline.

Each simulated citizen goes through the whole intake over one keep-alive connection, as WeChat's servers
would post it: signed text messages (我要求助, name, phone, district, problem, confirm), each sent when the
previous answer came back. yibang runs in its own process (uvicorn, the real web app with the WeChat
channel, handlers and storage; SQLite unless --database-url); the load generator is raw asyncio streams
in this process, so it costs little beside the server. The baseline is a bare Starlette app in its own
process that only checks the signature, parses with wechatpy and replies, measured the same way in the
same run. WeChat gives a passive reply 5 s; answers that would miss the budget come back as "success"
and are counted as `deferred`. Prints one JSON object.

    .venv/bin/python benchmarks/wechat_callback.py [--citizens 200] [--safe] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import secrets
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.wechat.signature import sign

TOKEN = "benchmark-token"
APP_ID = "wxbenchmark000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123"
PROBLEMS = [
    "我母亲每周二四六做血液透析，小区封控了出不去，明天就要透析",
    "小区封控三天了，家里没有菜了，附近超市也关门了",
    "健康码突然变成黄码，核酸都是阴性，怎么转绿",
    "孩子在外地上学，放寒假了想回郑州，需要什么手续",
    "公司想复工复产，员工都在封控区出不来，怎么办",
    "家里老人高血压的药快吃完了，药店都关门了",
]
DISTRICTS = ["金水区", "二七区", "中原区", "管城回族区", "惠济区", "郑东新区"]
_msg_ids = itertools.count(20_000_000_001)


# ---------------------------------------------------------------- the two servers (child processes)


def serve_yibang(port: int, data_dir: str, database_url: str | None) -> None:
    import logging

    import uvicorn

    from bot.application import configured_channels, web_app
    from config import Settings
    from handlers.services import Services

    logging.basicConfig(level=logging.WARNING)
    settings = Settings(
        _env_file=None,
        data_dir=Path(data_dir),
        database_url=database_url,
        secret_key=SECRET_KEY,
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_app_secret="unused",
        wechat_aes_key=AES_KEY,
        # both modes are measured: plain bodies are taken beside an AES key only in compatible mode
        wechat_mode="compatible",
    )
    services = Services.from_settings(settings)
    app = web_app(services, configured_channels(services), with_scheduler=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_baseline(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route
    from wechatpy import parse_message
    from wechatpy.exceptions import InvalidSignatureException
    from wechatpy.replies import TextReply
    from wechatpy.utils import check_signature

    async def wechat(request: Request) -> Response:
        query = request.query_params
        try:
            check_signature(
                TOKEN, query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
            )
        except InvalidSignatureException:
            return PlainTextResponse("forbidden", status_code=403)
        message = parse_message(await request.body())
        return Response(TextReply(message=message, content="收到").render(), media_type="application/xml")

    app = Starlette(
        routes=[Route("/wechat", wechat, methods=["POST"]), Route("/healthz", lambda r: Response())]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---------------------------------------------------------------- the load generator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def text_xml(openid: str, content: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_benchmark]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{next(_msg_ids)}</MsgId></xml>"
    ).encode()


class Connection:
    """One keep-alive HTTP/1.1 connection, as WeChat's servers hold to a busy account."""

    def __init__(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.port = port
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(port, reader, writer)

    async def request(
        self, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        fields = {"Host": f"127.0.0.1:{self.port}", "Content-Type": "text/xml", **(headers or {}),
                  "Content-Length": str(len(body))}
        head = (f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
                + "\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def signed_target(safe: bool) -> tuple[str, dict[str, str]]:
    stamp = str(int(time.time()))
    nonce = secrets.token_hex(5)
    query = {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce}
    if safe:
        query["encrypt_type"] = "aes"
    return "/wechat?" + urlencode(query), query


def sealed(crypto, xml: bytes, query: dict[str, str]) -> tuple[str, bytes]:
    """The safe-mode body and its msg_signature, as WeChat's servers build them."""
    from bot.wechat.xml import parse_fields

    fields = parse_fields(crypto.encrypt_message(xml.decode(), query["nonce"], query["timestamp"]))
    body = f"<xml><ToUserName><![CDATA[gh_benchmark]]></ToUserName><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
    return fields["MsgSignature"], body.encode()


def opened(crypto, answer: bytes) -> bytes:
    from bot.wechat.xml import parse_fields

    envelope = parse_fields(answer)
    return crypto.decrypt_message(
        answer, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    ).encode()


async def citizen(
    port: int, index: int, safe: bool, crypto, latencies: list[float], outcomes: dict[str, int]
) -> None:
    openid = f"oBenchmark{index:018d}"
    turns = [
        "我要求助",
        f"市民{index % 100}",
        f"139{index:08d}",
        DISTRICTS[index % len(DISTRICTS)],
        PROBLEMS[index % len(PROBLEMS)],
        "确认",
    ]
    connection = await Connection.open(port)
    try:
        for turn in turns:
            target, query = signed_target(safe)
            body = text_xml(openid, turn)
            if safe:
                msg_signature, body = sealed(crypto, body, query)
                target += "&" + urlencode({"msg_signature": msg_signature})
            started = time.perf_counter()
            status, answer = await connection.request("POST", target, body)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                outcomes["errors"] += 1
            elif answer == b"success":
                outcomes["deferred"] += 1
        if safe and answer != b"success":
            answer = opened(crypto, answer)
        if "已受理".encode() in answer:
            outcomes["cases_filed"] += 1
    finally:
        await connection.close()


async def wait_until_up(port: int, deadline: float = 120.0) -> None:
    give_up = time.monotonic() + deadline
    while True:
        try:
            connection = await Connection.open(port)
        except OSError:
            if time.monotonic() > give_up:
                raise RuntimeError(f"nothing listens on {port}") from None
            await asyncio.sleep(0.1)
            continue
        status, _ = await connection.request("GET", "/healthz")
        await connection.close()
        if status == 200:
            return


async def load(port: int, citizens: int, safe: bool) -> dict[str, object]:
    from wechatpy.crypto import WeChatCrypto

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    await wait_until_up(port)
    warmup = {"errors": 0, "deferred": 0, "cases_filed": 0}
    await asyncio.gather(*(citizen(port, 900_000 + i, safe, crypto, [], warmup) for i in range(5)))
    latencies: list[float] = []
    outcomes = {"errors": 0, "deferred": 0, "cases_filed": 0}
    started = time.perf_counter()
    await asyncio.gather(*(citizen(port, i, safe, crypto, latencies, outcomes) for i in range(citizens)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "messages": len(latencies),
        "messages_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        **outcomes,
    }


def measure(target, args: tuple, citizens: int, safe: bool) -> dict[str, object]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(port, *args), daemon=True)
    process.start()
    try:
        return asyncio.run(load(port, citizens, safe))
    finally:
        process.terminate()
        process.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--safe", action="store_true", help="safe mode (AES) instead of plain")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        callback = measure(serve_yibang, (data_dir, args.database_url), args.citizens, args.safe)
    baseline = measure(serve_baseline, (), args.citizens, False)
    report = {
        "citizens": args.citizens,
        "mode": "safe" if args.safe else "plain",
        "database": (args.database_url or "sqlite").split(":", 1)[0],
        "callback": callback,
        # plain mode: signature check, wechatpy parse, a fixed text reply
        "baseline_bare_starlette_wechatpy": baseline,
        "p99_over_baseline": round(callback["p99_ms"] / max(baseline["p99_ms"], 0.1), 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
