"""A stand-in for WeChat's API and a WeCom group robot on loopback, with errcodes a test can inject.

It answers what yibang calls: GET cgi-bin/token, POST cgi-bin/message/custom/send and
cgi-bin/message/template/send (40001 for any token but the newest, as WeChat does once a new one is
issued), and POST cgi-bin/webhook/send (the robot). Every request is recorded.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CUSTOM = "custom"
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

        return Starlette(
            routes=[
                Route("/cgi-bin/token", token),
                Route("/cgi-bin/message/custom/send", api(CUSTOM, True), methods=["POST"]),
                Route("/cgi-bin/message/template/send", api(TEMPLATE, True), methods=["POST"]),
                Route("/cgi-bin/webhook/send", api(ROBOT, False), methods=["POST"]),
            ]
        )
