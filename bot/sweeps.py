"""The sweeps as processes run them: on the scheduler (`yibang run`, `serve`, `scheduler`) and once each
from `yibang tick`.

Each sweep is a plain function over due rows in handlers/ that takes the time it runs at; here they get
a clock, a thread (APScheduler's AsyncIOScheduler runs jobs on the event loop, and sweeps do SQL), the
chart file for the report, and the heartbeat that says a scheduler is alive. Every job also runs once
when the scheduler starts, so work that fell due while no scheduler ran is done at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.dispatcher import Dispatcher
from bot.scheduler import JobBody, PeriodicJob
from config.texts import Texts
from handlers.services import Services
from handlers.timers import daily_report
from handlers.timers.dead_letters import sweep_dead_letters
from handlers.timers.deadlines import sweep_deadlines
from handlers.timers.revisits import sweep_revisits
from storage.heartbeat import record_heartbeat
from storage.sweep_lock import try_sweep_lock

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
# Three missed sweeps and /healthz may call the scheduler dead.
HEARTBEAT_STALE_AFTER = SWEEP_EVERY * 3
REPORT_SWEEP = "daily-report"


def reports_dir(services: Services) -> Path:
    return services.settings.data_dir / "reports"


def chart_path(directory: Path, day: date) -> Path:
    return directory / f"report-{day.isoformat()}.png"


def send_daily_report(services: Services, now: datetime) -> bool:
    """Queue today's report to staff once the report time has come; False when not due or already queued.

    The chart is drawn outside any transaction (it takes a moment); two processes drawing the same day
    write the same picture, and only one queues the rows.
    """
    day = daily_report.due_day(services, now)
    if day is None:
        return False
    with services.db.reading() as session:
        if daily_report.is_queued(session, day):
            return False
        report = daily_report.compose(session, services, day)
    taxonomy = services.taxonomy
    image = _draw(report, taxonomy.texts, taxonomy.platform, chart_path(reports_dir(services), day))
    with services.db.transaction() as session:
        if not try_sweep_lock(session, REPORT_SWEEP):
            return False
        return daily_report.queue(session, services, report, image, now) > 0


def write_report_files(services: Services, day: date, directory: Path) -> tuple[Path, Path]:
    """`yibang report`: the day's report text and chart as files, sent to nobody."""
    with services.db.reading() as session:
        report = daily_report.compose(session, services, day)
    directory.mkdir(parents=True, exist_ok=True)
    text_path = directory / f"report-{day.isoformat()}.txt"
    text_path.write_text(report.text + "\n", encoding="utf-8")
    taxonomy = services.taxonomy
    image = _draw(report, taxonomy.texts, taxonomy.platform, chart_path(directory, day))
    return text_path, image


def _draw(report: daily_report.DailyReport, texts: Texts, platform: str, path: Path) -> Path:
    # matplotlib takes half a second to import: only a process that draws a report pays for it
    from bot.report_chart import draw_report_chart

    return draw_report_chart(report, texts, platform, path)


def run_sweeps(services: Services, now: datetime) -> dict[str, Any]:
    """Every sweep once at `now`: what each did."""
    return {
        "deadlines": _plain(sweep_deadlines(services, now)),
        "revisits": _plain(sweep_revisits(services, now)),
        "daily_report": send_daily_report(services, now),
        "dead_letters": sweep_dead_letters(services, now),
    }


async def tick(services: Services, dispatcher: Dispatcher) -> dict[str, Any]:
    """`yibang tick`: every sweep once at the services' clock, then one outbox dispatch pass."""
    now = services.clock.now()
    done = await asyncio.to_thread(run_sweeps, services, now)
    done["dispatched"] = await dispatcher.run_once()
    return {"now": services.local(now).isoformat(), **done}


def sweep_jobs(services: Services) -> list[PeriodicJob]:
    """The scheduler's sweeps: deadlines and revisits every minute, the report at the configured time."""
    report_time = services.settings.report_time
    return [
        PeriodicJob("deadline-sweep", _job(services, "deadline-sweep", sweep_deadlines),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("revisit-sweep", _job(services, "revisit-sweep", sweep_revisits),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("dead-letter-sweep", _job(services, "dead-letter-sweep", sweep_dead_letters),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("daily-report", _job(services, REPORT_SWEEP, send_daily_report),
                    CronTrigger(hour=report_time.hour, minute=report_time.minute, timezone=services.tz),
                    start_now=True),
    ]


def _job(services: Services, name: str, sweep: Callable[[Services, datetime], object]) -> JobBody:
    def run() -> None:
        now = services.clock.now()
        outcome = sweep(services, now)
        with services.db.transaction() as session:
            record_heartbeat(session, now, HEARTBEAT_STALE_AFTER,
                             {"job": name, "at": now.isoformat(), "host": socket.gethostname(), "pid": os.getpid()})
        log.debug("%s: %s", name, _plain(outcome))

    async def body() -> None:
        await asyncio.to_thread(run)

    return body


def _plain(outcome: object) -> object:
    return asdict(outcome) if is_dataclass(outcome) and not isinstance(outcome, type) else outcome
