"""The WeChat world of a test (the `wechat` fixture): yibang's web app and a stand-in WeChat API, both
served on loopback, and `WeChatServers` playing WeChat's side of the callback — signing, encrypting,
posting over real HTTP, opening the passive replies.

As in the Telegram world, the app runs on an event loop in a thread of its own (an anyio portal), with its
lifespan, so a test reads as a conversation: `citizen.says("确认")` returns what the citizen sees. Settings
a story needs are given with a marker: `@pytest.mark.wechat(wechat_template_id="TPL-progress")`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from pydantic import SecretStr
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.application import configured_channels, senders, web_app
from bot.dispatcher import Dispatcher
from bot.wechat import WeChatChannel
from bot.wechat.signature import sign
from bot.wechat.xml import parse_fields
from handlers.services import Services
from storage.models import Case
from support.citizens import FilesCases
from support.serving import serving
from support.wechat_stand_in import WeChatStandIn

TOKEN = "yibang-test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_0123456789ab"
OPENID = "oCitizen0000000000000000001"

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
    portal: BlockingPortal
    services: Services
    crypto: WeChatCrypto = field(default_factory=lambda: WeChatCrypto(TOKEN, AES_KEY, APP_ID))

    def now(self) -> int:
        return int(self.services.clock.now().timestamp())

    def query(self, *, timestamp: int | None = None, safe: bool = False, token: str = TOKEN) -> dict[str, str]:
        stamp = str(self.now() if timestamp is None else timestamp)
        nonce = secrets.token_hex(5)
        query = {"signature": sign(token, stamp, nonce), "timestamp": stamp, "nonce": nonce, "openid": "o"}
        if safe:
            query["encrypt_type"] = "aes"
        return query

    def post(self, xml: str | bytes | AsyncIterator[bytes], *, safe: bool = False,
             query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.portal.call(lambda: self._post(xml, safe=safe, query=query, headers=headers))

    def post_together(self, xml: str, times: int, *, safe: bool = False) -> list[httpx.Response]:
        """The same message posted `times` times at once, as WeChat's retries can overlap."""

        async def together() -> list[httpx.Response]:
            return list(await asyncio.gather(*(self._post(xml, safe=safe) for _ in range(times))))

        return self.portal.call(together)

    def get(self, params: dict[str, str]) -> httpx.Response:
        return self.portal.call(lambda: self.http.get(f"{self.base_url}/wechat", params=params))

    async def _post(self, xml, *, safe: bool = False, query: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> httpx.Response:
        query = query or self.query(safe=safe)
        body = xml
        if safe:
            sealed = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            fields = parse_fields(sealed)
            query["msg_signature"] = fields["MsgSignature"]
            body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>")
        return await self.http.post(f"{self.base_url}/wechat", params=query, content=body, headers=headers)

    def open_reply(self, response: httpx.Response, *, safe: bool) -> str:
        """The text the citizen sees: the passive reply's Content (decrypted and verified in safe mode)."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return "success"
        xml = response.text
        if safe:
            envelope = parse_fields(xml)
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        fields = parse_fields(xml)
        assert fields["MsgType"] == "text" and fields["FromUserName"] == ACCOUNT
        return fields["Content"]


@dataclass
class WeChatCitizen(FilesCases):
    """A follower of the official account; `says` returns the passive reply's text ("success" when none)."""

    servers: WeChatServers
    openid: str
    safe: bool = False

    def xml(self, content: str, msg_id: int | None = None) -> str:
        return text_xml(self.openid, content, msg_id or next(_msg_ids), self.servers.now())

    def says(self, content: str) -> str:
        return self._reply(self.xml(content))

    def sends(self, msg_type: str, **fields: str) -> str:
        return self._reply(message_xml(self.openid, msg_type, self.servers.now(), MsgId=str(next(_msg_ids)), **fields))

    def event(self, event: str, key: str = "") -> str:
        return self._reply(message_xml(self.openid, "event", self.servers.now(), Event=event, EventKey=key))

    def answer(self, text: str) -> str:
        self.last_answer = self.says(text)
        return self.last_answer

    def _reply(self, xml: str) -> str:
        return self.servers.open_reply(self.servers.post(xml, safe=self.safe), safe=self.safe)


@dataclass
class WeChatWorld:
    services: Services
    stand_in: WeChatStandIn
    servers: WeChatServers
    channel: WeChatChannel
    dispatcher: Dispatcher

    def citizen(self, openid: str = OPENID, *, safe: bool = False) -> WeChatCitizen:
        return WeChatCitizen(self.servers, openid, safe)

    def deliver(self) -> int:
        """What WeChat's retries and the scheduler would do: finish deferred answers, run the outbox."""

        async def deliver() -> int:
            await self.channel.late_replies.settle()
            return await self.dispatcher.run_once()

        return self.servers.portal.call(deliver)

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
            # Most stories post plain XML, which reads better; safe mode alone is tested on its own.
            "wechat_mode": "compatible",
            **settings,
        }
    )
    return dataclasses.replace(services, settings=configured)


@contextlib.asynccontextmanager
async def _serving_world(base: Services, portal: BlockingPortal, settings: dict[str, object]
                         ) -> AsyncIterator[WeChatWorld]:
    stand_in = WeChatStandIn()
    async with serving(stand_in.app()) as api_base:
        services = wechat_services(base, api_base, **settings)
        channels = configured_channels(services)
        channel = next(channel for channel in channels if isinstance(channel, WeChatChannel))
        app = web_app(services, channels, with_scheduler=False)
        dispatcher = Dispatcher(services, senders(services, channels))
        async with serving(app) as base_url, httpx.AsyncClient(timeout=30) as http:
            servers = WeChatServers(base_url, http, portal, services)
            yield WeChatWorld(services, stand_in, servers, channel, dispatcher)


@pytest.fixture
def wechat(request: pytest.FixtureRequest, services: Services) -> Iterator[WeChatWorld]:
    """yibang's web app with the WeChat channel and the WeCom robot, the stand-in behind them; settings
    from the test's `wechat` marker."""
    marker = request.node.get_closest_marker("wechat")
    settings = dict(marker.kwargs) if marker else {}
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(
        _serving_world(services, portal, settings)
    ) as world:
        yield world
