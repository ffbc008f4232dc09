"""Staff cards and notices to a WeCom (企业微信) group robot, for staff who work on WeChat.

The robot is a webhook (`…/cgi-bin/webhook/send?key=…`, YIBANG_WECOM_WEBHOOK_URL) that wechatpy does not
wrap: a JSON POST of a markdown message. The card is the one every staff channel gets (phone masked),
rendered when it is sent. A robot takes 20 messages a minute (errcode 130101 beyond) and 4,096 bytes of
markdown per message.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.wecom.quota import MinuteQuota
from config.texts import Texts
from handlers.delivery.outbox import OutboxItem
from handlers.services import Services
from handlers.staff.notices import message_for_staff

log = logging.getLogger(__name__)

CHANNEL = "wecom"
PER_MINUTE = 20
MAX_MARKDOWN_BYTES = 4096
RATE_LIMITED = 130101
# system busy: the same message goes through later
BUSY = frozenset({-1})
TIMEOUT_SECONDS = 10.0


def markdown_card(texts: Texts, text: str) -> str:
    """The card as WeCom markdown: its first line (number, 紧急) in bold, cut to the robot's limit."""
    first, _, rest = text.partition("\n")
    content = f"**{first}**\n{rest}" if rest else f"**{first}**"
    if len(content.encode("utf-8")) <= MAX_MARKDOWN_BYTES:
        return content
    room = MAX_MARKDOWN_BYTES - len(texts.wecom_truncated.encode("utf-8"))
    cut = content.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + texts.wecom_truncated


class RobotSender:
    channel = CHANNEL

    def __init__(self, services: Services, webhook_url: str):
        self.services = services
        self.webhook_url = webhook_url
        # On the services' clock, like the outbox's due times it works with.
        self.quota = MinuteQuota(PER_MINUTE, lambda: services.clock.now().timestamp())

    async def send(self, item: OutboxItem) -> SendResult:
        wait = self.quota.wait_for(item.id)
        if wait > 0:
            return RetryLater("WeCom robot: 20 messages a minute", after=wait)
        text, _ = await asyncio.to_thread(message_for_staff, self.services, item)
        body = {
            "msgtype": "markdown",
            "markdown": {"content": markdown_card(self.services.taxonomy.texts, text)},
        }
        try:
            # A client per message: the dispatcher may run under different event loops (the terminal chat).
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
                response = await http.post(self.webhook_url, json=body)
            result = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            return RetryLater(f"WeCom robot unreachable: {type(exc).__name__}")
        errcode = result.get("errcode") if isinstance(result, dict) else None
        if errcode == 0:
            return Sent()
        error = (
            f"WeCom robot errcode {errcode}: {result.get('errmsg') if isinstance(result, dict) else result}"
        )
        if errcode == RATE_LIMITED:
            # Someone else posts through the same robot too: wait out the minute.
            self.quota.pause(60)
            return RetryLater(error, after=60)
        if errcode in BUSY or errcode is None:
            return RetryLater(error)
        return GiveUp(error)
