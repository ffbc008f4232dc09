"""Reading a request body within a size limit, before anything parses it: a webhook or an API that reads
whatever it is sent can be made to hold any amount of memory."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request


class BadRequest(Exception):
    """The body cannot be what the endpoint takes (empty, too large, cut off)."""


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadRequest("body too large")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BadRequest("body too large")
    except ClientDisconnect:
        raise BadRequest("the client went away mid-body") from None
    if not body.strip():
        raise BadRequest("empty body")
    return bytes(body)
