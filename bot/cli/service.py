"""Running yibang: the whole service, the web app, the scheduler alone, one tick, the terminal chat, and
the one-off set-up of the database and the Telegram webhook."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import typer

from bot.cli.app import app, fail, group, print_json, services, settings

db = group("db", "Database schema.")
telegram = group("telegram", "The Telegram bot: register its webhook.")


@app.command()
def run() -> None:
    """The whole service in one process; with no platform configured, the terminal chat."""
    from bot.application import run_service

    run_service(services())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (YIBANG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (YIBANG_PORT).")] = None,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run the web app only.")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; more than 1 runs no scheduler "
                                                     "(start one `yibang scheduler` beside them).")] = 1,
) -> None:
    """The web app (/wechat, /telegram, /healthz) with the scheduler in the same process."""
    from bot.application import configured_channels, serve_web, serve_workers

    svc = services()
    if workers > 1:
        serve_workers(svc, host or svc.settings.host, port or svc.settings.port, workers)
        return
    # Without the scheduler this is one of several workers: it does not poll Telegram or register the
    # webhook (`yibang telegram set-webhook` does).
    channels = configured_channels(svc, leader=not no_scheduler)
    asyncio.run(
        serve_web(svc, channels, host or svc.settings.host, port or svc.settings.port,
                  with_scheduler=not no_scheduler)
    )


@app.command()
def scheduler() -> None:
    """Only the scheduler: outbox dispatch and every sweep (beside `serve --workers N`)."""
    from bot.application import run_scheduler

    run_scheduler(services())


@app.command()
def tick(
    now: Annotated[str | None, typer.Option(
        "--now", help="The time to run at, ISO 8601 with an offset (2022-01-10T11:05:00+08:00); default now.",
    )] = None,
) -> None:
    """Run every sweep once and one outbox dispatch pass, then exit; prints what was done (JSON).

    The sweeps: deadlines, revisits, the daily report. Safe beside a running scheduler: sweeps claim
    their rows and never send twice.
    """
    from bot.application import configured_channels, senders
    from bot.dispatcher import Dispatcher
    from bot.sweeps import tick as tick_once
    from handlers.clock import FrozenClock

    svc = services(clock=FrozenClock(parse_moment(now)) if now else None)
    dispatcher = Dispatcher(svc, senders(svc, configured_channels(svc)))
    print_json(asyncio.run(tick_once(svc, dispatcher)))


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now: not an ISO 8601 time: {value}")
    if moment.tzinfo is None:
        fail(f"--now: give the offset too, e.g. {value}+08:00")
    return moment


@app.command()
def console(user: Annotated[str, typer.Option(help="Citizen id for this terminal chat.")] = "local") -> None:
    """Chat as one citizen in the terminal (reads piped stdin line by line)."""
    from bot.application import run_console

    run_console(services(), user)


@telegram.command("set-webhook")
def telegram_set_webhook() -> None:
    """Register YIBANG_TELEGRAM_WEBHOOK_URL (with its secret) and the command menu with Telegram."""
    from bot.telegram.application import register_bot
    from config import load_taxonomy

    loaded = settings()
    if loaded.telegram_token is None:
        fail("YIBANG_TELEGRAM_TOKEN is not set: it is the bot's token from BotFather")
    if loaded.telegram_webhook_url is None:
        fail("YIBANG_TELEGRAM_WEBHOOK_URL is not set: the public https address of /telegram")
    asyncio.run(register_bot(loaded, load_taxonomy(loaded.taxonomy).texts))
    typer.echo(f"webhook set to {loaded.telegram_webhook_url}", err=True)


@app.command()
def health(
    scheduler_beat: Annotated[bool, typer.Option(
        "--scheduler", help="Also fail when the scheduler's heartbeat is stale (for the scheduler's own check).",
    )] = False,
) -> None:
    """Print /healthz's report as JSON; exit 1 when the database cannot be reached (or, with --scheduler,
    when no scheduler has run lately). For container and service-manager health checks."""
    from handlers.health import health as report

    try:
        found = report(services(migrate=False))
    except Exception as exc:  # the check reports, it does not crash
        print_json({"status": "error", "database": type(exc).__name__})
        raise typer.Exit(1) from None
    print_json(found)
    if scheduler_beat and found["scheduler"]["stale"]:
        raise typer.Exit(1)


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations (also done at every start)."""
    from handlers.services import upgrade_database

    upgrade_database(settings())
    typer.echo("database is up to date", err=True)
