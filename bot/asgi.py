"""The web app as an ASGI factory, for several worker processes (`yibang serve --workers N`) or any ASGI
server (`uvicorn --factory bot.asgi:worker_app --workers N`).

Each worker builds its own services from the environment and runs no scheduler: one `yibang scheduler`
beside them does the sweeps and the outbox, and each worker's watchdog reports it if it stalls.
Workers do not poll Telegram or register its webhook; `serve --workers` registers it once before forking.
"""

from __future__ import annotations

from starlette.applications import Starlette

from bot.logs import configure_logging
from config import load_settings


def worker_app() -> Starlette:
    from bot.application import configured_channels, web_app
    from handlers.services import Services

    settings = load_settings()
    configure_logging(settings.log_level)
    services = Services.from_settings(settings)
    return web_app(services, configured_channels(services, leader=False), with_scheduler=False)
