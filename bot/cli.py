"""The `yibang` command line: run the service, chat in the terminal, classify, work the ledger.

Machine-readable output (`--json`) is the only thing written to stdout; logs go to stderr. A broken
setting or taxonomy prints what is wrong and exits with status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.logs import configure_logging
from config import ConfigError, Settings, load_settings

app = typer.Typer(help="yibang (一帮到底): citizen help requests over Telegram, WeChat and the terminal.",
                  no_args_is_help=True, add_completion=False)
case_app = typer.Typer(help="Staff work on cases: list, show.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
telegram_app = typer.Typer(help="The Telegram bot: register its webhook.", no_args_is_help=True)
app.add_typer(case_app, name="case")
app.add_typer(db_app, name="db")
app.add_typer(telegram_app, name="telegram")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        loaded = load_settings()
    except ConfigError as exc:
        fail(str(exc))
    configure_logging(loaded.log_level)
    return loaded


def services(**kwargs: Any):
    from handlers.services import Services

    try:
        return Services.from_settings(settings(), **kwargs)
    except ConfigError as exc:
        fail(str(exc))


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


# ---------------------------------------------------------------- running


@app.command()
def run() -> None:
    """The whole service in one process; with no platform configured, the terminal chat."""
    from bot.application import run_service

    try:
        run_service(services())
    except ConfigError as exc:
        fail(str(exc))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (YIBANG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (YIBANG_PORT).")] = None,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run the web app only.")] = False,
) -> None:
    """The web app (/wechat, /telegram, /healthz) with the scheduler in the same process."""
    import asyncio

    from bot.application import configured_channels, serve_web

    svc = services()
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

    try:
        run_scheduler(services())
    except ConfigError as exc:
        fail(str(exc))


@app.command()
def console(user: Annotated[str, typer.Option(help="Citizen id for this terminal chat.")] = "local") -> None:
    """Chat as one citizen in the terminal (reads piped stdin line by line)."""
    from bot.application import run_console

    run_console(services(), user)


# ---------------------------------------------------------------- classifier


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="A message to classify.")] = None,
    eval_file: Annotated[Path | None, typer.Option("--eval", help="CSV with text,category,urgency,district.")] = None,
) -> None:
    """Classify a message (JSON), or evaluate the classifier on a labelled CSV (JSON metrics)."""
    from classifier import get_classifier
    from classifier.evaluation import evaluate, read_labelled_csv
    from config import load_taxonomy

    loaded = settings()
    try:
        classifier = get_classifier(load_taxonomy(loaded.taxonomy))
    except ConfigError as exc:
        fail(str(exc))
    if eval_file is not None:
        try:
            rows = read_labelled_csv(eval_file)
        except (OSError, ValueError) as exc:
            fail(f"cannot read {eval_file}: {exc}")
        print_json(evaluate(classifier, rows))
        return
    if text is None:
        fail("give a TEXT to classify, or --eval FILE.csv")
    print_json(classifier.classify(text).evidence())


# ---------------------------------------------------------------- cases


@case_app.command("list")
def case_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array of every case.")] = False) -> None:
    """Every case in every status, oldest first."""
    from handlers.case_view import case_view
    from storage.cases import all_cases

    svc = services()
    with svc.db.reading() as session:
        views = [case_view(svc, case, timeline=False) for case in all_cases(session)]
    if as_json:
        print_json(views)
        return
    for view in views:
        typer.echo(
            f"{view['number']}  {view['status_label']:<4}  {view['urgency']}  {view['category']:<6}  "
            f"{view['district'] or '-':<6}  {view['problem'][:40]}"
        )


@case_app.command("show")
def case_show(
    number: str,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """One case with its timeline."""
    from handlers.case_view import case_view
    from storage.cases import case_by_number

    svc = services()
    with svc.db.reading() as session:
        case = case_by_number(session, number)
        if case is None:
            fail(f"no case {number}", 1)
        view = case_view(svc, case)
    if as_json:
        print_json(view)
        return
    for key, value in view.items():
        if key not in ("timeline", "evidence"):
            typer.echo(f"{key}: {value if value is not None else '-'}")
    typer.echo("timeline:")
    for event in view["timeline"]:
        flag = "public" if event["public"] else "internal"
        typer.echo(f"  {event['at']}  {event['kind']:<10} {flag:<8} {event['actor']}  {event['text'] or ''}")


# ---------------------------------------------------------------- telegram


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Register YIBANG_TELEGRAM_WEBHOOK_URL (with its secret) and the command menu with Telegram."""
    import asyncio

    from bot.telegram.application import register_bot
    from config import load_taxonomy

    loaded = settings()
    if loaded.telegram_token is None:
        fail("YIBANG_TELEGRAM_TOKEN is not set: it is the bot's token from BotFather")
    if loaded.telegram_webhook_url is None:
        fail("YIBANG_TELEGRAM_WEBHOOK_URL is not set: the public https address of /telegram")
    try:
        asyncio.run(register_bot(loaded, load_taxonomy(loaded.taxonomy).texts))
    except ConfigError as exc:
        fail(str(exc))
    typer.echo(f"webhook set to {loaded.telegram_webhook_url}", err=True)


# ---------------------------------------------------------------- database


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations (also done at every start)."""
    from storage import Database

    loaded = settings()
    database = Database(loaded.resolved_database_url())
    database.migrate()
    typer.echo("database is up to date", err=True)


def main() -> None:
    app()
