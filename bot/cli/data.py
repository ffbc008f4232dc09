"""The office's data: the day's figures, the daily report, the ledger as Excel, and personal data over
time (re-encryption after a key rotation, retention, erasure on request)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import StageBars, app, fail, parse_day, print_json, services
from bot.cli.case import cli_actor


@app.command()
def stats(
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The day's figures: intake by category, closed, urgent closed, overdue."""
    from handlers.reports.departments import department_lines
    from handlers.reports.statistics import figures_of_day

    svc = services()
    day_figures = figures_of_day(svc, parse_day(day, svc))
    figures = day_figures.as_dict()
    if as_json:
        print_json(figures)
        return
    typer.echo(svc.taxonomy.texts.stats_line.format(**figures))
    for name, count in figures["intake_by_category"].items():
        typer.echo(f"  {name:<8}{count:>6}")
    for line in department_lines(svc.taxonomy.texts, day_figures.departments):
        typer.echo(line)


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
    from handlers.reports.ledger import LedgerFilter, read_ledger, record_export_with_phones

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
    bars = StageBars()
    try:
        ledger = read_ledger(svc, wanted_filter, reveal=reveal,
                             progress=lambda done, total: bars(svc.taxonomy.texts.ledger.progress, done, total))
    finally:
        bars.close()
    written = write_ledger(xlsx, ledger.rows, svc.taxonomy)
    if reveal:
        record_export_with_phones(svc, ledger.case_ids, str(cli_actor()))
    typer.echo(f"{written} cases written to {xlsx}", err=True)


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
