"""The ASGI web application (Starlette): platform webhooks and /healthz."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from handlers.services import Services

Hook = Callable[[], Awaitable[None]]


def create_web_app(
    services: Services,
    routes: Sequence[BaseRoute],
    *,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        def check() -> None:
            with services.db.reading() as session:
                session.execute(text("SELECT 1"))

        try:
            await asyncio.to_thread(check)
        except Exception as exc:  # the health check reports, it does not crash
            return JSONResponse({"status": "error", "database": f"{type(exc).__name__}"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook()

    return Starlette(routes=[Route("/healthz", healthz), *routes], lifespan=lifespan)
