"""The wiring: from settings to the parts that run. Reading this file tells what runs.

- `yibang run`: the whole service in one process — each configured platform, the web app when a platform
  needs webhooks or a staff console account exists, and the scheduler; with no platform configured, the
  terminal chat.
- `yibang serve`: the web app (webhooks, the staff console, /healthz) and, unless told otherwise, the scheduler.
- `yibang scheduler`: only the scheduler (outbox dispatch and sweeps), beside web workers.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot import metrics
from bot.channel import Channel
from bot.console import ConsoleChat, prompt_lines
from bot.dispatcher import Dispatcher, LogSender, Sender
from bot.email import EmailSender
from bot.open311 import Open311Channel
from bot.scheduler import PeriodicJob, build_scheduler
from bot.staff_console import Console
from bot.sweeps import sweep_jobs
from bot.telegram.channel import TelegramChannel
from bot.watchdog import SchedulerWatchdog
from bot.webapp import create_web_app
from bot.wechat import WeChatChannel
from bot.wecom import WeComChannel
from bot.wecom.departments import DepartmentRobotSender
from handlers.attachments.records import FETCHERS
from handlers.console.accounts import has_accounts
from handlers.knowledge_base import warm_up
from handlers.services import Services

log = logging.getLogger(__name__)

DISPATCH_EVERY_SECONDS = 2


def configured_channels(services: Services, *, leader: bool = True) -> list[Channel]:
    """The platforms this deployment has, from its settings.

    `leader`: this is the one process that polls Telegram and registers its webhook and command menu
    (`run`, and `serve` with its scheduler); web workers beside it and the lone scheduler are not.
    """
    settings = services.settings
    channels: list[Channel] = []
    if settings.telegram_configured:
        channels.append(TelegramChannel(services, leader=leader))
    if settings.wechat_configured:
        channels.append(WeChatChannel(services))
    if settings.wecom_configured:
        channels.append(WeComChannel(services))
    if settings.open311:
        channels.append(Open311Channel(services))
    return channels


def senders(services: Services, channels: list[Channel]) -> list[Sender]:
    found: list[Sender] = [LogSender(services), *department_senders(services)]
    for channel in channels:
        found.extend(channel.senders())
    return found


def department_senders(services: Services) -> list[Sender]:
    """Departments' robots (their addresses are data, set with `yibang department set`), and e-mail when an
    SMTP server is configured; a department's Telegram chat goes with the bot's other messages."""
    found: list[Sender] = [DepartmentRobotSender(services)]
    settings = services.settings
    if settings.smtp_configured and settings.smtp_url is not None and settings.smtp_sender:
        found.append(EmailSender(services, settings.smtp_url.get_secret_value(), settings.smtp_sender))
    return found


def periodic_jobs(services: Services, dispatcher: Dispatcher) -> list[PeriodicJob]:
    """Outbox dispatch and the sweeps. Fetching citizens' photos (seconds of download and Pillow each) is
    a dispatch job of its own, beside the one that sends, so a burst of photos never holds up a card."""
    fetching = set(FETCHERS.values()) & dispatcher.claims
    every = IntervalTrigger(seconds=DISPATCH_EVERY_SECONDS)
    jobs = [PeriodicJob("outbox-dispatch", dispatcher.restricted(dispatcher.claims - fetching).run_once, every)]
    if fetching:
        jobs.append(PeriodicJob("file-fetch", dispatcher.restricted(fetching).run_once, every))
    return [*jobs, *sweep_jobs(services)]


def scheduler_for(services: Services, channels: list[Channel]) -> AsyncIOScheduler:
    dispatcher = Dispatcher(services, senders(services, channels))
    return build_scheduler(periodic_jobs(services, dispatcher), services.settings.timezone)


def web_app(services: Services, channels: list[Channel], *, with_scheduler: bool,
            host: str | None = None) -> Starlette:
    """The ASGI app; its lifespan starts the channels and (optionally) the scheduler.

    `host`: the address it listens on (YIBANG_HOST when not given), which decides whether /metrics is
    served when YIBANG_METRICS does not say.
    """
    routes = [route for channel in channels for route in channel.routes()]
    routes += Console(services).routes()  # the staff console, /staff/
    middleware = []
    if services.settings.metrics_enabled(host or services.settings.host):
        metrics.watch(services)
        routes.append(metrics.metrics_route(services))
        middleware.append(Middleware(metrics.RequestTimer))
    scheduler = scheduler_for(services, channels) if with_scheduler else None
    # Without a scheduler here, one runs elsewhere (`yibang scheduler`); watch that it keeps beating.
    watchdog = None if with_scheduler else SchedulerWatchdog(services, Dispatcher(services, senders(services, channels)))

    async def start() -> None:
        # jieba's dictionary loads in about a second: before the first citizen, not during their message
        await asyncio.to_thread(lambda: services.classifier)
        # the similar-case model reads jieba's IDF table (a second or more): not at a citizen's first filing
        await asyncio.to_thread(lambda: services.similarity)
        await asyncio.to_thread(warm_up, services)
        settle_long_lived_objects()
        for channel in channels:
            await channel.start()
        if scheduler is not None:
            scheduler.start()
        if watchdog is not None:
            watchdog.start()

    async def stop() -> None:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if watchdog is not None:
            await watchdog.stop()
        for channel in reversed(channels):
            await channel.stop()

    return create_web_app(services, routes, on_startup=[start], on_shutdown=[stop], middleware=middleware)


def settle_long_lived_objects() -> None:
    """Take what start-up built (jieba's dictionary, the taxonomy, the ORM's tables) out of the garbage
    collector's sight, and let it run less often: every message allocates a few thousand short-lived
    objects, and full collections would otherwise walk the whole dictionary again and again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


async def serve_web(services: Services, channels: list[Channel], host: str, port: int, *,
                    with_scheduler: bool) -> None:
    app = web_app(services, channels, with_scheduler=with_scheduler, host=host)
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    await server.serve()
    if not server.started:  # uvicorn has logged why (a channel that could not start, a port in use)
        raise SystemExit(3)


def serve_workers(services: Services, host: str, port: int, workers: int) -> None:
    """Several web worker processes on one port (uvicorn's supervisor), none running the scheduler.

    The schema is migrated here, once, and the Telegram webhook registered once, before the workers start.
    The workers read their settings from the environment: the address they listen on is passed on there
    (it decides /metrics), and with metrics on, the directory where every worker counts (bot/metrics.py).
    """
    settings = services.settings
    if settings.telegram_configured and settings.telegram_webhook_url:
        from bot.telegram.application import register_bot

        asyncio.run(register_bot(settings, services.taxonomy.texts))
    os.environ["YIBANG_HOST"] = host
    made_dir = None
    if settings.metrics_enabled(host):
        if not os.environ.get(metrics.MULTIPROCESS_DIR):
            made_dir = tempfile.mkdtemp(prefix="yibang-metrics-")
            os.environ[metrics.MULTIPROCESS_DIR] = made_dir
        metrics.fresh_multiprocess_dir(Path(os.environ[metrics.MULTIPROCESS_DIR]))
    log.info("starting %d web workers on %s:%d; run `yibang scheduler` beside them", workers, host, port)
    try:
        uvicorn.run("bot.asgi:worker_app", factory=True, host=host, port=port, workers=workers,
                    log_config=None, access_log=False)
    finally:
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)


async def run_without_web(services: Services, channels: list[Channel]) -> None:
    """Polling channels and the scheduler, until SIGINT/SIGTERM."""
    scheduler = scheduler_for(services, channels)
    settings = services.settings
    metrics_server = None
    if settings.metrics_port is not None and settings.metrics_enabled(settings.host):
        metrics.watch(services)
        metrics_server = metrics.serve_on_port(services, settings.host, settings.metrics_port)
    if any(channel.citizen_facing for channel in channels):
        await asyncio.to_thread(lambda: services.classifier)
        # the similar-case model reads jieba's IDF table (a second or more): not at a citizen's first filing
        await asyncio.to_thread(lambda: services.similarity)
        await asyncio.to_thread(warm_up, services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    for channel in channels:
        await channel.start()
    scheduler.start()
    log.info("yibang is running (%s); Ctrl-C stops it", ", ".join(c.name for c in channels) or "scheduler only")
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        for channel in reversed(channels):
            await channel.stop()
        if metrics_server is not None:
            metrics_server.shutdown()


def run_console(services: Services, user: str) -> None:
    """The terminal chat; staff notices still go out through whatever staff channel is configured."""
    dispatcher = Dispatcher(services, senders(services, configured_channels(services)))
    chat = ConsoleChat(services, user, sys.stdout, dispatcher)
    interactive = sys.stdin.isatty()
    lines = prompt_lines(sys.stdin, "> ") if interactive else sys.stdin
    chat.run(lines, interactive=interactive)


def run_service(services: Services) -> None:
    channels = configured_channels(services)
    if not any(channel.citizen_facing for channel in channels):
        run_console(services, "local")
        return
    # The web app when a platform needs webhooks, or when someone can log in to the staff console.
    if any(channel.routes() for channel in channels) or has_accounts(services):
        settings = services.settings
        asyncio.run(serve_web(services, channels, settings.host, settings.port, with_scheduler=True))
    else:
        asyncio.run(run_without_web(services, channels))


def run_scheduler(services: Services) -> None:
    """Beside web workers: the channels only send (their outbox senders); the workers take updates."""
    asyncio.run(run_without_web(services, configured_channels(services, leader=False)))
