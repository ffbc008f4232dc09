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
from handlers.replay import forget_expired
from handlers.services import Services
from handlers.staff.danger_alerts import sweep_danger_alerts
from handlers.timers import daily_report
from handlers.timers.dead_letters import sweep_dead_letters
from handlers.timers.deadlines import sweep_deadlines
from handlers.timers.department_deadlines import sweep_department_deadlines
from handlers.timers.heartbeat import beat
from handlers.timers.revisits import sweep_revisits
from handlers.timers.urgency_confirm import sweep_unconfirmed

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
# Three missed sweeps and /healthz may call the scheduler dead.
HEARTBEAT_STALE_AFTER = SWEEP_EVERY * 3


def reports_dir(services: Services) -> Path:
    return services.settings.data_dir / "reports"


def chart_path(directory: Path, day: date) -> Path:
    return directory / f"report-{day.isoformat()}.png"


def send_daily_report(services: Services, now: datetime) -> bool:
    """Queue today's report to staff once the report time has come; False when not due or already queued.

    The chart is drawn outside any transaction (it takes a moment); two processes drawing the same day
    write the same picture, and only one queues the rows.
    """
    report = daily_report.due_report(services, now)
    if report is None:
        return False
    taxonomy = services.taxonomy
    image = _draw(report, taxonomy.texts, taxonomy.platform, chart_path(reports_dir(services), report.stats.day))
    return daily_report.send(services, report, image, now)


def write_report_files(services: Services, day: date, directory: Path) -> tuple[Path, Path]:
    """`yibang report`: the day's report text and chart as files, sent to nobody."""
    report = daily_report.report_of_day(services, day)
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
        "department_deadlines": _plain(sweep_department_deadlines(services, now)),
        "possibly_urgent": _plain(sweep_unconfirmed(services, now)),
        "danger_alerts_repeated": sweep_danger_alerts(services, now),
        "revisits": _plain(sweep_revisits(services, now)),
        "daily_report": send_daily_report(services, now),
        "dead_letters": sweep_dead_letters(services, now),
        "signatures_forgotten": forget_expired(services, now),
    }


async def tick(services: Services, dispatcher: Dispatcher) -> dict[str, Any]:
    """`yibang tick`: every sweep once at the services' clock, then one outbox dispatch pass."""
    now = services.clock.now()
    done = await asyncio.to_thread(run_sweeps, services, now)
    done["dispatched"] = await dispatcher.run_once()
    return {"now": services.local(now).isoformat(), **done}


def sweep_jobs(services: Services) -> list[PeriodicJob]:
    """The scheduler's sweeps: deadlines (the staff's and the departments'), undecided possibly urgent cases,
    revisits and dead letters every minute, the report at the configured time."""
    report_time = services.settings.report_time
    return [
        PeriodicJob("deadline-sweep", _job(services, "deadline-sweep", sweep_deadlines),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("department-deadline-sweep",
                    _job(services, "department-deadline-sweep", sweep_department_deadlines),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("danger-alert-sweep", _job(services, "danger-alert-sweep", sweep_danger_alerts),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("urgency-confirm-sweep", _job(services, "urgency-confirm-sweep", sweep_unconfirmed),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("revisit-sweep", _job(services, "revisit-sweep", sweep_revisits),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("dead-letter-sweep", _job(services, "dead-letter-sweep", sweep_dead_letters),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("signature-sweep", _job(services, "signature-sweep", forget_expired),
                    IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()), start_now=True),
        PeriodicJob("daily-report", _job(services, daily_report.SWEEP, send_daily_report),
                    CronTrigger(hour=report_time.hour, minute=report_time.minute, timezone=services.tz),
                    start_now=True),
    ]


def _job(services: Services, name: str, sweep: Callable[[Services, datetime], object]) -> JobBody:
    def run() -> None:
        now = services.clock.now()
        outcome = sweep(services, now)
        beat(services, name, now, HEARTBEAT_STALE_AFTER)
        log.debug("%s: %s", name, _plain(outcome))

    async def body() -> None:
        await asyncio.to_thread(run)

    return body


def _plain(outcome: object) -> object:
    return asdict(outcome) if is_dataclass(outcome) and not isinstance(outcome, type) else outcome
