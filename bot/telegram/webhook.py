"""The /telegram route: Telegram posts each update here when YIBANG_TELEGRAM_WEBHOOK_URL is set.

Telegram sends the secret given at setWebhook in X-Telegram-Bot-Api-Secret-Token; anything without it
is refused (403, compared in constant time) before its body is read. Bad input gets a 4xx, never a 5xx.
The update is handled before the answer, so a crash mid-way means Telegram delivers it again (it retries
any non-2xx answer), and the inbox makes the second delivery change nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update

from bot.http_body import BadRequest, read_body

log = logging.getLogger(__name__)

PATH = "/telegram"
# An update is a few kilobytes (a message is at most 4,096 characters, a caption 1,024, plus their
# entities); anything far larger is not Telegram's and is refused before it is parsed.
MAX_BODY_BYTES = 256 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_route(secret: str, bot: Callable[[], Bot], process: Callable[[Update], Awaitable[None]]) -> Route:
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        # Starlette decodes header bytes as latin-1, so encoding them back gives the bytes sent.
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            log.warning("refused a POST to %s without the right secret token", PATH)
            return Response(status_code=403)
        try:
            data: Any = json.loads(await read_body(request, MAX_BODY_BYTES))
        except (BadRequest, ValueError, RecursionError):  # too large, not JSON or UTF-8, nested too deep
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        try:
            update = Update.de_json(data, bot())
        except Exception:  # whatever shape PTB could not read is the sender's mistake, not ours
            log.warning("refused an update PTB cannot read", exc_info=True)
            return Response(status_code=400)
        await process(update)
        return Response(status_code=200)

    return Route(PATH, receive, methods=["POST"])
