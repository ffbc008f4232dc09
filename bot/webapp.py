"""The ASGI web application (Starlette): platform webhooks, APIs, /healthz (and /metrics when it is on)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.peers import bearer_matches, from_this_machine
from handlers.health import health
from handlers.services import Services

Hook = Callable[[], Awaitable[None]]


def create_web_app(
    services: Services,
    routes: Sequence[BaseRoute],
    *,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    middleware: Sequence[Middleware] = (),
) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        # 503 only when the database is gone: a stalled scheduler must not take web workers out of a
        # load balancer (citizens can still file cases); it shows as "degraded".
        # The details (host, pid, backlogs) are the operator's: this machine, or whoever has the token.
        token = services.settings.health_token
        detailed = from_this_machine(request) or bearer_matches(request, token.get_secret_value() if token else None)
        try:
            report = await asyncio.to_thread(health, services)
        except Exception as exc:  # the health check reports, it does not crash
            detail = {"database": f"{type(exc).__name__}"} if detailed else {}
            return JSONResponse({"status": "error", **detail}, status_code=503)
        return JSONResponse(report if detailed else {"status": report["status"]})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook()

    return Starlette(routes=[Route("/healthz", healthz), *routes], lifespan=lifespan, middleware=list(middleware))
