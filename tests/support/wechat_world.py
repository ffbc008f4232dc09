"""The world of a WeChat test: yibang's web app and a stand-in WeChat API, both on loopback, and
`WeChatServers` playing WeChat's side of the callback — signing, encrypting, posting, opening replies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr
from servers import serving
from sqlalchemy import func, select
from wechat_stand_in import StandIn
from wechatpy.crypto import WeChatCrypto

from bot.application import configured_channels, senders, web_app
from bot.dispatcher import Dispatcher
from bot.wechat import WeChatChannel
from bot.wechat.signature import sign
from bot.wechat.xml import parse_fields
from handlers.services import Services
from storage.models import Case

TOKEN = "yibang-test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"

_msg_ids = itertools.count(10_000_000_001)


def cdata(text: str) -> str:
    """Text in a CDATA section, as WeChat writes it (a "]]>" inside is split across two sections)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_xml(openid: str, content: str, msg_id: int, created: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def message_xml(openid: str, msg_type: str, created: int, **fields: str) -> str:
    """Any message or event: fields are its other elements (Event, EventKey, Recognition, …)."""
    inner = "".join(f"<{name}>{cdata(value)}</{name}>" for name, value in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{inner}</xml>"
    )


@dataclass
class WeChatServers:
    """What WeChat's servers do with a citizen's message: sign it, encrypt it in safe mode, post it."""

    base_url: str
    http: httpx.AsyncClient
    services: Services
    crypto: WeChatCrypto = field(default_factory=lambda: WeChatCrypto(TOKEN, AES_KEY, APP_ID))

    def now(self) -> int:
        return int(self.services.clock.now().timestamp())

    def query(
        self, *, timestamp: int | None = None, safe: bool = False, token: str = TOKEN
    ) -> dict[str, str]:
        stamp = str(self.now() if timestamp is None else timestamp)
        nonce = secrets.token_hex(5)
        query = {"signature": sign(token, stamp, nonce), "timestamp": stamp, "nonce": nonce, "openid": "o"}
        if safe:
            query["encrypt_type"] = "aes"
        return query

    async def post(
        self,
        xml: str | bytes,
        *,
        safe: bool = False,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        query = query or self.query(safe=safe)
        body: str | bytes = xml
        if safe:
            sealed = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            fields = parse_fields(sealed)
            query["msg_signature"] = fields["MsgSignature"]
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
        return await self.http.post(f"{self.base_url}/wechat", params=query, content=body, headers=headers)

    def open_reply(self, response: httpx.Response, *, safe: bool) -> str:
        """The text the citizen sees: the passive reply's Content (decrypted and verified in safe mode)."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return "success"
        xml = response.text
        if safe:
            envelope = parse_fields(xml)
            xml = self.crypto.decrypt_message(
                xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
            )
        fields = parse_fields(xml)
        assert fields["MsgType"] == "text" and fields["FromUserName"] == ACCOUNT
        return fields["Content"]


@dataclass
class WeChatCitizen:
    servers: WeChatServers
    openid: str
    safe: bool = False

    def xml(self, content: str, msg_id: int | None = None) -> str:
        return text_xml(self.openid, content, msg_id or next(_msg_ids), self.servers.now())

    async def says(self, content: str) -> str:
        response = await self.servers.post(self.xml(content), safe=self.safe)
        return self.servers.open_reply(response, safe=self.safe)

    async def sends(self, msg_type: str, **fields: str) -> str:
        xml = message_xml(self.openid, msg_type, self.servers.now(), MsgId=str(next(_msg_ids)), **fields)
        return self.servers.open_reply(await self.servers.post(xml, safe=self.safe), safe=self.safe)

    async def event(self, event: str, key: str = "") -> str:
        xml = message_xml(self.openid, "event", self.servers.now(), Event=event, EventKey=key)
        return self.servers.open_reply(await self.servers.post(xml, safe=self.safe), safe=self.safe)

    async def reaches_confirmation(
        self, problem: str = "我母亲每周二四六做血液透析，小区封控了出不去"
    ) -> str:
        assert "怎么称呼" in await self.says("我要求助")
        assert "手机号" in await self.says("张女士")
        assert "哪个区县" in await self.says("13912345678")
        assert "请描述" in await self.says("金水区")
        summary = await self.says(problem)
        assert "确认提交吗" in summary, summary
        return summary

    async def files(self) -> str:
        """The whole dialogue; returns the case number."""
        await self.reaches_confirmation()
        answer = await self.says("1")
        assert "已受理，编号" in answer, answer
        return answer.split("编号 ", 1)[1].split("。", 1)[0]


@dataclass
class World:
    services: Services
    stand_in: StandIn
    servers: WeChatServers
    channel: WeChatChannel
    dispatcher: Dispatcher

    def citizen(self, openid: str = "oCitizen0000000000000000001", *, safe: bool = False) -> WeChatCitizen:
        return WeChatCitizen(self.servers, openid, safe)

    async def deliver(self) -> int:
        """What WeChat's retries and the scheduler would do: finish deferred answers, run the outbox."""
        await self.channel.late_replies.settle()
        return await self.dispatcher.run_once()

    def count(self, model) -> int:
        with self.services.db.reading() as session:
            return session.scalar(select(func.count()).select_from(model))

    def only_case(self) -> Case:
        with self.services.db.reading() as session:
            return session.scalars(select(Case)).one()


def wechat_services(services: Services, api_base: str, **settings: object) -> Services:
    """The test's services with the official account and the WeCom robot pointed at the stand-in."""
    configured = services.settings.model_copy(
        update={
            "wechat_token": SecretStr(TOKEN),
            "wechat_app_id": APP_ID,
            "wechat_app_secret": SecretStr("app-secret"),
            "wechat_aes_key": SecretStr(AES_KEY),
            "wechat_api_url": f"{api_base}/cgi-bin/",
            "wecom_webhook_url": SecretStr(f"{api_base}/cgi-bin/webhook/send?key=robot-key"),
            "wechat_reply_budget_seconds": 4.0,
            **settings,
        }
    )
    return dataclasses.replace(services, settings=configured)


@contextlib.asynccontextmanager
async def wechat_world(base: Services, **settings: object) -> AsyncIterator[World]:
    stand_in = StandIn()
    async with serving(stand_in.app()) as api_base:
        services = wechat_services(base, api_base, **settings)
        channels = configured_channels(services)
        wechat = next(channel for channel in channels if isinstance(channel, WeChatChannel))
        app = web_app(services, channels, with_scheduler=False)
        dispatcher = Dispatcher(services, senders(services, channels))
        async with serving(app) as base_url, httpx.AsyncClient(timeout=30) as http:
            servers = WeChatServers(base_url, http, services)
            yield World(services, stand_in, servers, wechat, dispatcher)
