"""The `yibang` command line: run the service, chat in the terminal, classify and learn, work the ledger.

Machine-readable output (`--json`) is the only thing written to stdout; logs go to stderr. A broken
setting or taxonomy prints what is wrong and exits with status 2, never a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.logs import configure_logging
from config import ConfigError, Settings, load_settings

app = typer.Typer(help="yibang (一帮到底): citizen help requests over Telegram, WeChat and the terminal.",
                  no_args_is_help=True, add_completion=False)
case_app = typer.Typer(help="Staff work on cases: list, show, assign, note, resolve, …", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
staff_app = typer.Typer(help="Who may act on cases: add, remove, list.", no_args_is_help=True)
telegram_app = typer.Typer(help="The Telegram bot: register its webhook.", no_args_is_help=True)
lexicon_app = typer.Typer(help="Learned keyword lexicons: merge into a taxonomy file.", no_args_is_help=True)
overrides_app = typer.Typer(
    help="Staff corrections of the classifier: export for `learn`.", no_args_is_help=True
)
app.add_typer(case_app, name="case")
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
app.add_typer(telegram_app, name="telegram")
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(overrides_app, name="overrides")


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
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; more than 1 runs no scheduler "
                                                     "(start one `yibang scheduler` beside them).")] = 1,
) -> None:
    """The web app (/wechat, /telegram, /healthz) with the scheduler in the same process."""
    import asyncio

    from bot.application import configured_channels, serve_web, serve_workers

    svc = services()
    if workers > 1:
        try:
            serve_workers(svc, host or svc.settings.host, port or svc.settings.port, workers)
        except ConfigError as exc:
            fail(str(exc))
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

    try:
        run_scheduler(services())
    except ConfigError as exc:
        fail(str(exc))


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
    import asyncio

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


# ---------------------------------------------------------------- classifier


def read_rows(path: Path) -> list[dict[str, str]]:
    from classifier.labelled import read_labelled_csv

    try:
        return read_labelled_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")


def taxonomy_at(path: Path):
    from config import load_taxonomy

    try:
        return load_taxonomy(path)
    except ConfigError as exc:
        fail(str(exc))


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="A message to classify.")] = None,
    eval_file: Annotated[
        Path | None,
        typer.Option("--eval", help="Labelled CSV: text,category,urgency,district or subject,detail,label."),
    ] = None,
) -> None:
    """Classify a message (JSON), or evaluate the classifier on a labelled CSV (JSON metrics)."""
    from classifier import get_classifier
    from classifier.evaluation import evaluate

    classifier = get_classifier(taxonomy_at(settings().taxonomy))
    if eval_file is not None:
        print_json(evaluate(classifier, read_rows(eval_file)))
        return
    if text is None:
        fail("give a TEXT to classify, or --eval FILE.csv")
    print_json(classifier.classify(text).evidence())


class StageBars:
    """A progress bar on stderr for each stage of a long run (`learn`): called with (stage, done, total)."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar: Any = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._done = stage, 0
            self._bar = typer.progressbar(length=total, label=stage, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def merge_file(lexicon: Any, into: Path) -> None:
    """Merge a lexicon into a taxonomy file in place; the file is only written when the result loads."""
    from classifier.lexicon import merge_lexicon

    try:
        merged = merge_lexicon(lexicon, into.read_text(encoding="utf-8"), str(into))
    except OSError as exc:
        fail(f"cannot read {into}: {exc}")
    except ConfigError as exc:
        fail(str(exc))
    into.write_text(merged, encoding="utf-8")
    typer.echo(f"merged into {into}", err=True)


@app.command()
def learn(
    train: Annotated[
        Path, typer.Option("--train", help="Labelled CSV: text,category,… or subject,detail,label.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The lexicon to write (YAML).")],
    taxonomy: Annotated[
        Path | None,
        typer.Option("--taxonomy", help="The taxonomy the labels belong to (default: YIBANG_TAXONOMY)."),
    ] = None,
    merge_into: Annotated[
        Path | None, typer.Option("--merge-into", help="Also merge the lexicon into this taxonomy file.")
    ] = None,
    l1: Annotated[float, typer.Option(help="L1 penalty: higher keeps fewer words.")] = 1e-5,
    l2: Annotated[float, typer.Option(help="L2 penalty: higher gives smaller weights.")] = 1e-4,
    min_count: Annotated[int, typer.Option(help="A word must occur in this many messages.")] = 2,
    subject_lines: Annotated[
        bool, typer.Option(help="Also learn from each subject line alone, as a short message.")
    ] = True,
) -> None:
    """Learn each category's keywords and weights from labelled messages; write them as a lexicon."""
    from classifier import get_classifier
    from classifier.labelled import training_examples
    from classifier.learning import LearningOptions, learn_lexicon
    from classifier.lexicon import render_lexicon

    loaded = settings()
    chosen = taxonomy_at(taxonomy or loaded.taxonomy)
    rows = read_rows(train)
    texts, labels = training_examples(rows, subject_lines=subject_lines)
    unknown = sorted(set(labels) - set(chosen.category_names))
    if unknown:
        fail(f"labels that are not categories of {chosen.name}: {', '.join(unknown)} "
             f"(categories: {', '.join(chosen.category_names)})")
    typer.echo(f"learning from {len(texts)} examples ({len(rows)} rows of {train.name})", err=True)
    bars = StageBars()
    try:
        lexicon = learn_lexicon(
            texts,
            labels,
            get_classifier(chosen).cut,
            categories=chosen.category_names,
            options=LearningOptions(l1=l1, l2=l2, min_count=min_count),
            progress=bars,
        )
    except ValueError as exc:
        fail(str(exc))
    finally:
        bars.close()
    lexicon.header.insert(1, f"Source: {train.name} ({len(rows)} rows); taxonomy: {chosen.name}.")
    out.write_text(render_lexicon(lexicon), encoding="utf-8")
    if merge_into is not None:
        merge_file(lexicon, merge_into)
    print_json({
        "rows": len(rows),
        "examples": len(texts),
        "out": str(out),
        "words": len({word for category in lexicon.categories for word in category.keywords}),
        "keywords": {category.name: len(category.keywords) for category in lexicon.categories},
    })


@lexicon_app.command("merge")
def lexicon_merge(
    lexicon_file: Annotated[Path, typer.Argument(help="A lexicon written by `learn` (edited or not).")],
    into: Annotated[Path, typer.Option("--into", help="The taxonomy file to merge it into (rewritten).")],
) -> None:
    """Put a lexicon's categories into a taxonomy file; its other lines and comments stay as they are."""
    from classifier.lexicon import read_lexicon

    try:
        lexicon = read_lexicon(lexicon_file)
    except ConfigError as exc:
        fail(str(exc))
    merge_file(lexicon, into)


@overrides_app.command("export")
def overrides_export(
    out: Annotated[
        Path, typer.Option("--out", help="The CSV to write (id,text,category,urgency,district,note).")
    ],
) -> None:
    """Cases whose category or urgency staff corrected, as labelled examples for `learn --train`."""
    from handlers.cases.overrides import COLUMNS, override_examples

    svc = services()
    with svc.db.reading() as session:
        rows = override_examples(session)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    typer.echo(f"{len(rows)} corrected cases written to {out}", err=True)


# ---------------------------------------------------------------- cases


@case_app.command("list")
def case_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array of every case.")] = False) -> None:
    """Every case in every status, oldest first."""
    from handlers.cases.view import case_view
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
    from handlers.cases.view import case_view
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


def cli_actor():
    """The person at the terminal: they hold the database and the key already, so they act as supervisor."""
    import getpass

    from handlers.cases.actions import SUPERVISOR, Actor

    return Actor(key=f"cli:{getpass.getuser()}", role=SUPERVISOR)


def on_case(number: str, action: Callable[[Any, Any], str]) -> None:
    """Run one staff action on a case in one transaction; a refusal changes nothing and exits 1."""
    from handlers.cases.actions import ActionRefused, CaseDesk

    svc = services()
    try:
        with svc.db.transaction() as session:
            desk = CaseDesk(svc, session, cli_actor(), svc.clock.now())
            message = action(desk, desk.case(number))
    except ActionRefused as exc:
        fail(str(exc), 1)
    typer.echo(message)


@case_app.command("contacted")
def case_contacted(number: str) -> None:
    """已联系: the citizen was contacted (meets the contact deadline)."""
    on_case(number, lambda desk, case: desk.contacted(case))


@case_app.command("assign")
def case_assign(number: str, department: Annotated[str, typer.Option(help="A configured department.")]) -> None:
    """交办: hand the case to a department."""
    on_case(number, lambda desk, case: desk.assign(case, department))


@case_app.command("note")
def case_note(
    number: str,
    text: Annotated[str, typer.Option(help="What the citizen (or, with --internal, only staff) reads.")],
    internal: Annotated[bool, typer.Option("--internal", help="A note for staff only.")] = False,
) -> None:
    """回复: a public note to the citizen (moves an 已交办 case to 办理中), or an internal note."""
    on_case(number, lambda desk, case: desk.note(case, text, internal=internal))


@case_app.command("resolve")
def case_resolve(number: str, result: Annotated[str, typer.Option(help="The result, told to the citizen.")]) -> None:
    """办结: the case is solved; the citizen is told the result."""
    on_case(number, lambda desk, case: desk.resolve(case, result))


@case_app.command("reopen")
def case_reopen(number: str, reason: Annotated[str, typer.Option(help="Why it is worked again.")]) -> None:
    """Reopen a resolved case (办理中)."""
    on_case(number, lambda desk, case: desk.reopen(case, reason))


@case_app.command("merge")
def case_merge(number: str, into: Annotated[str, typer.Option(help="The surviving case number.")]) -> None:
    """合并: merge into another case; the citizen follows that case."""
    on_case(number, lambda desk, case: desk.merge(case, into))


@case_app.command("reject")
def case_reject(number: str, reason: Annotated[str, typer.Option(help="Why, told to the citizen.")]) -> None:
    """无效: the case cannot be taken up."""
    on_case(number, lambda desk, case: desk.reject(case, reason))


@case_app.command("recategorise")
def case_recategorise(number: str, category: Annotated[str, typer.Option(help="The right category.")]) -> None:
    """Correct the classifier's category (recorded for the next `learn`)."""
    on_case(number, lambda desk, case: desk.recategorise(case, category))


@case_app.command("urgency")
def case_urgency(
    number: str, level: Annotated[str, typer.Option(help="紧急 or 一般 (the taxonomy's levels).")]
) -> None:
    """Correct the classifier's urgency (recorded for the next `learn`; sets the resolve deadline)."""
    from handlers.cases.actions import ActionRefused

    def change(desk: Any, case: Any) -> str:
        urgency = desk.services.taxonomy.urgency
        if level not in (urgency.urgent, urgency.normal):
            raise ActionRefused(f"level must be one of: {urgency.urgent}, {urgency.normal}")
        return desk.set_urgency(case, level == urgency.urgent)

    on_case(number, change)


def parse_day(value: str | None, svc: Any) -> date:
    if value is None:
        return svc.local(svc.clock.now()).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {value}")


@app.command()
def stats(
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The day's figures: intake by category, closed, urgent closed, overdue."""
    from handlers.reports.statistics import day_stats

    svc = services()
    with svc.db.reading() as session:
        figures = day_stats(session, svc, parse_day(day, svc)).as_dict()
    if as_json:
        print_json(figures)
        return
    typer.echo(f"{figures['date']}  受理 {figures['intake']}（紧急 {figures['urgent_intake']}）  "
               f"办结 {figures['closed']}（紧急 {figures['urgent_closed']}）  超时 {figures['overdue']}  "
               f"在办 {figures['open']}")
    for name, count in figures["intake_by_category"].items():
        typer.echo(f"  {name:<8}{count:>6}")


@app.command()
def report(
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Directory to write to (default: DATA_DIR/reports).")]
    = None,
) -> None:
    """Write the daily report (text and bar chart PNG) to files and print their paths; sends nothing."""
    from bot.sweeps import reports_dir, write_report_files

    svc = services()
    paths = write_report_files(svc, parse_day(day, svc), out or reports_dir(svc))
    for path in paths:
        typer.echo(str(path))


@app.command()
def export(
    xlsx: Annotated[Path, typer.Option("--xlsx", help="The workbook to write.")],
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD).")] = None,
    status: Annotated[list[str] | None, typer.Option(help="Only these states (received, assigned, …).")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only these categories.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Full phone numbers (recorded on each case).")] = False,
) -> None:
    """Export the ledger (台账) as Excel: a row per case, and counts by category and district."""
    from bot.export import write_ledger
    from handlers.cases.states import Status
    from handlers.reports.ledger import LedgerFilter, ledger_rows, record_reveal, select_cases

    svc = services()
    known = {s.value for s in Status}
    for wanted in status or []:
        if wanted not in known:
            fail(f"unknown status {wanted}; one of: {', '.join(sorted(known))}")
    wanted_filter = LedgerFilter(
        start=parse_day(start, svc) if start else None,
        end=parse_day(end, svc) if end else None,
        statuses=status or (),
        categories=category or (),
    )
    with svc.db.transaction() as session:
        cases = select_cases(session, svc, wanted_filter)
        with typer.progressbar(length=len(cases), label="导出台账", file=sys.stderr) as bar:
            written = write_ledger(xlsx, ledger_rows(svc, cases, reveal=reveal),
                                   categories=svc.taxonomy.category_names, on_row=lambda: bar.update(1))
        if reveal:
            record_reveal(session, cases, str(cli_actor()), svc.clock.now())
    typer.echo(f"{written} cases written to {xlsx}", err=True)


@staff_app.command("add")
def staff_add(
    who: Annotated[str, typer.Argument(help="telegram:USER_ID (a bare id means Telegram).")],
    role: Annotated[str, typer.Option(help="handler or supervisor.")] = "handler",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Allow someone to act on cases."""
    from handlers.staff.directory import ROLES, add_member, parse_people

    if role not in ROLES:
        fail(f"role must be one of: {', '.join(ROLES)}")
    svc = services()
    channel, user_key = next(iter(parse_people(who))).split(":", 1)
    with svc.db.transaction() as session:
        add_member(session, channel, user_key, role, name, svc.clock.now())
    typer.echo(f"{channel}:{user_key} is now {role}")


@staff_app.command("remove")
def staff_remove(who: str) -> None:
    """Take someone's right to act away (those listed in the settings stay until removed there)."""
    from handlers.staff.directory import parse_people, remove_member

    svc = services()
    channel, user_key = next(iter(parse_people(who))).split(":", 1)
    with svc.db.transaction() as session:
        removed = remove_member(session, channel, user_key)
    if not removed:
        fail(f"{channel}:{user_key} was not in the staff list", 1)
    typer.echo(f"{channel}:{user_key} removed")


@staff_app.command("list")
def staff_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Everyone who may act, from the settings and the database."""
    from handlers.staff.directory import members

    svc = services()
    with svc.db.reading() as session:
        listed = list(members(session, svc))
    if as_json:
        print_json(listed)
        return
    for member in listed:
        typer.echo(f"{member['who']:<24} {member['role']:<11} {member['source']:<9} {member['name']}")


# ---------------------------------------------------------------- personal data


@app.command()
def rekey() -> None:
    """Re-encrypt stored personal data under the newest YIBANG_SECRET_KEY (old keys in YIBANG_OLD_SECRET_KEYS)."""
    from handlers.privacy.keys import rekey as rekey_all

    print_json(rekey_all(services()).as_dict())


@app.command()
def purge(
    older_than: Annotated[int | None, typer.Option(help="Days (default YIBANG_RETENTION_DAYS).")] = None,
) -> None:
    """Anonymise the personal data of closed cases older than the retention period."""
    from datetime import timedelta

    from handlers.privacy.retention import purge as purge_old

    svc = services()
    days = older_than if older_than is not None else svc.settings.retention_days
    if days < 1:
        fail("--older-than must be at least 1 day")
    print_json(purge_old(svc, timedelta(days=days)).as_dict())


@app.command()
def erase(
    case: Annotated[str | None, typer.Option(help="A case number of the citizen.")] = None,
    phone: Annotated[str | None, typer.Option(help="The citizen's phone number.")] = None,
) -> None:
    """Erase a citizen's personal data on their request (all their cases; open ones are withdrawn)."""
    from handlers.privacy.erasure import erase_citizen

    if not case and not phone:
        fail("give --case NUMBER or --phone NUMBER")
    report = erase_citizen(services(), case_number=case, phone=phone)
    if report.cases == 0 and report.conversations == 0:
        fail("no citizen found for that case number or phone", 1)
    print_json(report.as_dict())


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
