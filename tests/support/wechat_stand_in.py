"""A stand-in for WeChat's API and a WeCom group robot on loopback, with errcodes a test can inject.

It answers what yibang calls: GET cgi-bin/token, POST cgi-bin/message/custom/send and
cgi-bin/message/template/send (40001 for any token but the newest, as WeChat does once a new one is
issued), GET cgi-bin/media/get (a citizen's photo by its media id, or 40007 once it expired), and POST
cgi-bin/webhook/send (the robot). Every request is recorded.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CUSTOM = "custom"
MEDIA = "media"
TEMPLATE = "template"
ROBOT = "robot"


@dataclass
class Call:
    kind: str
    token: str | None
    body: dict
    errcode: int


@dataclass
class WeChatStandIn:
    tokens_issued: int = 0
    current_token: str | None = None
    calls: list[Call] = field(default_factory=list)
    injected: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    # media id -> the photo's bytes: what citizens sent, for media/get
    media: dict[str, bytes] = field(default_factory=dict)

    def inject(self, kind: str, *errcodes: int) -> None:
        """The next requests of this kind are answered with these errcodes, in order."""
        self.injected[kind].extend(errcodes)

    def delivered(self, kind: str) -> list[dict]:
        return [call.body for call in self.calls if call.kind == kind and call.errcode == 0]

    def attempts(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    def app(self) -> Starlette:
        async def token(request: Request) -> JSONResponse:
            self.tokens_issued += 1
            self.current_token = f"TOKEN-{self.tokens_issued}"
            return JSONResponse({"access_token": self.current_token, "expires_in": 7200})

        def api(kind: str, check_token: bool):
            async def endpoint(request: Request) -> JSONResponse:
                body = json.loads(await request.body())
                given = request.query_params.get("access_token")
                errcode = self.injected[kind].popleft() if self.injected[kind] else 0
                if errcode == 0 and check_token and given != self.current_token:
                    errcode = 40001
                self.calls.append(Call(kind, given, body, errcode))
                return JSONResponse(
                    {"errcode": errcode, "errmsg": "ok" if errcode == 0 else "stand-in says no"}
                )

            return endpoint

        async def media_get(request: Request) -> Response:
            given = request.query_params.get("access_token")
            media_id = request.query_params.get("media_id", "")
            errcode = self.injected[MEDIA].popleft() if self.injected[MEDIA] else 0
            if errcode == 0 and given != self.current_token:
                errcode = 40001
            if errcode == 0 and media_id not in self.media:
                errcode = 40007
            self.calls.append(Call(MEDIA, given, {"media_id": media_id}, errcode))
            if errcode:
                # WeChat answers an error as JSON in a text/plain body
                body = json.dumps({"errcode": errcode, "errmsg": "invalid media_id" if errcode == 40007 else "no"})
                return Response(body, media_type="text/plain")
            return Response(self.media[media_id], media_type="image/jpeg",
                            headers={"Content-disposition": f'attachment; filename="{media_id}.jpg"'})

        return Starlette(
            routes=[
                Route("/cgi-bin/token", token),
                Route("/cgi-bin/media/get", media_get),
                Route("/cgi-bin/message/custom/send", api(CUSTOM, True), methods=["POST"]),
                Route("/cgi-bin/message/template/send", api(TEMPLATE, True), methods=["POST"]),
                Route("/cgi-bin/webhook/send", api(ROBOT, False), methods=["POST"]),
            ]
        )
