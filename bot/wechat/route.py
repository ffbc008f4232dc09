"""The /wechat endpoint: WeChat's server-side callback for an official account.

GET is the server verification: `echostr` is echoed only for a valid, fresh signature. POST is a message
or event: checked (403 when not provably WeChat's or too old), read within a size limit and parsed
safely (400 for anything that is not a WeChat message, before anything changes), handled by the
handlers, and answered passively in the request's mode (plain or safe) when the handlers finish within
the budget; otherwise with "success" and a customer-service message later (bot/wechat/late_reply.py).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.http_body import BadRequest, read_body
from bot.runner import within_budget
from bot.wechat.envelope import Envelope, Signed
from bot.wechat.incoming import to_incoming
from bot.wechat.late_reply import LateReplies
from bot.wechat.reply import passive_reply, reply_text
from bot.wechat.signature import SignatureRefused
from bot.wechat.xml import MalformedXml, parse_wechat_message
from handlers.messages import Incoming, Outcome
from handlers.process import handle
from handlers.replay import Replayed, SignedUse
from handlers.services import Services

log = logging.getLogger(__name__)

# WeChat's messages are a few kilobytes at most (a 2,000-character problem is about 8 KB in safe mode);
# anything far larger is not from WeChat and is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024
# WeChat's "received, nothing to say now": it neither shows anything nor retries.
SUCCESS = "success"


class WeChatCallback:
    def __init__(self, services: Services, envelope: Envelope, late_replies: LateReplies):
        self.services = services
        self.envelope = envelope
        self.late_replies = late_replies
        self.budget = services.settings.wechat_reply_budget_seconds

    async def endpoint(self, request: Request) -> Response:
        signed = Signed.of(request.query_params)
        try:
            self.envelope.check(signed, self.services.clock.now())
            if request.method == "GET":
                return PlainTextResponse(request.query_params.get("echostr", ""))
            body = await read_body(request, MAX_BODY_BYTES)
            message = parse_wechat_message(self.envelope.open(signed, body))
            incoming = to_incoming(message)
            use = SignedUse.of(signed.timestamp, signed.nonce, body, self.envelope.max_age_seconds)
        except SignatureRefused as exc:
            log.warning("refused a WeChat callback from %s: %s", _peer(request), exc)
            return PlainTextResponse("forbidden", status_code=403)
        except (BadRequest, MalformedXml) as exc:
            log.warning("bad WeChat callback from %s: %s", _peer(request), exc)
            return PlainTextResponse("bad request", status_code=400)
        if incoming is None:
            return PlainTextResponse(SUCCESS)
        try:
            outcome = await self._answer(incoming, use)
        except Replayed as exc:
            log.warning("refused a WeChat callback from %s: %s", _peer(request), exc)
            return PlainTextResponse("forbidden", status_code=403)
        except NotKept:
            # No "success" for a message kept nowhere: WeChat sends it again.
            return PlainTextResponse("busy", status_code=503)
        if outcome is None or not outcome.replies:
            return PlainTextResponse(SUCCESS)
        if outcome.duplicate and await asyncio.to_thread(self.late_replies.was_deferred, incoming):
            return PlainTextResponse(SUCCESS)
        text = reply_text(self.services.taxonomy, outcome.replies)
        xml = passive_reply(message, text, self.services.clock.now())
        return Response(self.envelope.seal(signed, xml), media_type="application/xml")

    async def _answer(self, incoming: Incoming, use: SignedUse) -> Outcome | None:
        """The handlers' outcome if it comes within the budget; else None, and the answer is deferred."""
        answer = await within_budget(self.services, self.budget, handle, self.services, incoming, use)
        if isinstance(answer, asyncio.Future):
            # WeChat will not send it again after "success": it is kept first.
            kept = await self.late_replies.keep(incoming, use)
            if kept is None:
                raise NotKept
            self.late_replies.follow(kept, answer)
            return None
        return answer


class NotKept(Exception):
    """A message past the budget could not be kept anywhere: it must not be acknowledged."""


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unknown"
