"""Staff cards and notices to a WeCom (企业微信) group robot, for staff who work on WeChat.

The robot is a webhook (`…/cgi-bin/webhook/send?key=…`, YIBANG_WECOM_WEBHOOK_URL) that wechatpy does not
wrap: a JSON POST of a markdown message. The card is the one every staff channel gets (phone masked),
rendered when it is sent. A robot takes 20 messages a minute (errcode 130101 beyond) and 4,096 bytes of
markdown per message.

A case's photos go as the robot's image messages, one each after a line naming the case: the image in
base64 with the MD5 of its bytes, JPG or PNG of at most 2 MB (WeCom's rules), so a larger photo is sent
scaled down. The robot cannot pass on a PDF without an upload of its own; the line says how many there
are, for staff to open elsewhere.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from typing import Any

import httpx

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.wecom.quota import MinuteQuota
from config.texts import Texts
from handlers.attachments.content import fit_within
from handlers.attachments.viewing import for_staff_row
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import OutboxKind
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
# an image message: at most 2 MB before base64
MAX_IMAGE_BYTES = 2 * 1024 * 1024


# What WeCom's markdown reads as a link, a tag (<font color=…>), an entity, code, a quote or a heading,
# drawn as the full-width characters that look the same and mean nothing: the card is plain text with the
# citizen's words in it. (WeCom's markdown has no documented backslash escape.) Asterisks stay: a masked
# phone (139****5678) is ours, and a citizen's bold can neither link nor add a line.
_MARKUP = str.maketrans({
    "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "`": "｀", "#": "＃", "&": "＆",
})


def markdown_safe(text: str) -> str:
    """Plain text that WeCom's markdown shows exactly as it reads, with no link, tag or format in it."""
    return text.translate(_MARKUP)


def markdown_card(texts: Texts, text: str) -> str:
    """The card as WeCom markdown: its first line (number, 紧急) in bold, cut to the robot's limit."""
    first, _, rest = markdown_safe(text).partition("\n")
    content = f"**{first}**\n{rest}" if rest else f"**{first}**"
    if len(content.encode("utf-8")) <= MAX_MARKDOWN_BYTES:
        return content
    room = MAX_MARKDOWN_BYTES - len(texts.wecom_truncated.encode("utf-8"))
    cut = content.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + texts.wecom_truncated


class RobotSender:
    """The staff group's robot (YIBANG_WECOM_WEBHOOK_URL); a subclass serves departments' robots, each with
    its own quota."""

    channel = CHANNEL

    def __init__(self, services: Services, webhook_url: str = ""):
        self.services = services
        self.webhook_url = webhook_url
        # One quota per robot (an outbox target), on the services' clock like the outbox's due times.
        self._quotas: dict[str, MinuteQuota] = {}

    def quota(self, target: str) -> MinuteQuota:
        if target not in self._quotas:
            self._quotas[target] = MinuteQuota(PER_MINUTE, lambda: self.services.clock.now().timestamp())
        return self._quotas[target]

    async def send(self, item: OutboxItem) -> SendResult:
        url = await self.webhook_for(item)
        if not url:
            return GiveUp(f"no WeCom robot for {item.target}")
        bodies = await asyncio.to_thread(self.bodies, item)
        if not bodies:
            return Sent()
        quota = self.quota(item.target)
        wait = quota.wait_for(item.id, len(bodies))
        if wait > 0:
            return RetryLater("WeCom robot: 20 messages a minute", after=wait)
        for body in bodies:
            result = await self._post(url, body, quota)
            if not isinstance(result, Sent):
                return result
        return Sent()

    async def webhook_for(self, item: OutboxItem) -> str | None:
        return self.webhook_url

    def bodies(self, item: OutboxItem) -> list[dict[str, Any]]:
        """The robot's messages for a row (read from the database: run off the event loop)."""
        if item.kind is OutboxKind.CASE_ATTACHMENTS:
            return self._attachment_messages(item)
        text, _ = message_for_staff(self.services, item)
        return [markdown(markdown_card(self.services.taxonomy.texts, text))]

    def _attachment_messages(self, item: OutboxItem) -> list[dict[str, Any]]:
        """A line naming the case, then each photo as an image message."""
        found = for_staff_row(self.services, item.payload, item.case_id)
        if found is None or not found.files:
            return []
        texts = self.services.taxonomy.texts
        images = [file for file in found.files if file.is_image]
        others = len(found.files) - len(images)
        line = f"**{markdown_safe(found.caption)}**" + (
            markdown_safe(texts.wecom_attachments_elsewhere.format(count=others)) if others else "")
        bodies = [markdown(line)]
        for file in images:
            data = fit_within(file.data, MAX_IMAGE_BYTES)
            bodies.append({"msgtype": "image", "image": {
                "base64": base64.b64encode(data).decode("ascii"), "md5": hashlib.md5(data).hexdigest()}})
        return bodies

    async def _post(self, url: str, body: dict[str, Any], quota: MinuteQuota) -> SendResult:
        try:
            # A client per message: the dispatcher may run under different event loops (the terminal chat).
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
                response = await http.post(url, json=body)
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
            quota.pause(60)
            return RetryLater(error, after=60)
        if errcode in BUSY or errcode is None:
            return RetryLater(error)
        return GiveUp(error)


def markdown(content: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": content}}
