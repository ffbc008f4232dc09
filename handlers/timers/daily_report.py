"""The daily report (日报): the day's figures for the staff group and the command centre, once a day.

The figures are handlers.reports.statistics.day_stats, the same as `yibang stats`. The report is due from the
configured local time on (YIBANG_REPORT_TIME, 17:00 by default) until it has been queued, so a process
that was down at that moment sends it when it is back, and a second process finds it queued already.
The chart is drawn by the caller (bot.report_chart): this module knows no plotting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases import similar
from handlers.delivery import payloads
from handlers.delivery.outbox import queue_for_each
from handlers.reports import instant_answers
from handlers.reports.departments import department_lines
from handlers.reports.statistics import DayStats, day_stats
from handlers.services import Services, StaffDestination
from handlers.timers.command_centre import command_centre
from handlers.wording import duration
from storage.models import OutboxMessage
from storage.sweep_lock import try_sweep_lock

DEDUPE_PREFIX = "report:"
SWEEP = "daily-report"


@dataclass(frozen=True)
class DailyReport:
    stats: DayStats
    text: str


def compose(session: Session, services: Services, day: date) -> DailyReport:
    stats = day_stats(session, services, day)
    text = render_text(services, stats)
    if services.knowledge is not None:
        # learning from use: what the instant answers settled, and the questions nobody's entry fitted
        text += "\n\n" + instant_answers.render(services, instant_answers.day_summary(session, services, day))
    return DailyReport(stats, text + hot_spots_text(session, services))


def hot_spots_text(session: Session, services: Services) -> str:
    """The largest open groups of similar cases (place, count, age), as they stand when the report is made."""
    texts = services.taxonomy.texts
    spots = similar.hot_spots(session)
    if not spots:
        return ""
    now = services.clock.now()
    lines = [texts.similar.report_line.format(
        place=texts.list_separator.join(spot.places) or texts.similar.report_no_place,
        district=spot.district or texts.masked_none, count=spot.count,
        age=duration(services.taxonomy, similar.age(now - spot.oldest)), number=spot.representative,
    ) for spot in spots]
    return "\n\n" + "\n".join([texts.similar.report_title, *lines])


def report_of_day(services: Services, day: date) -> DailyReport:
    """The day's report, read in one go (`yibang report`)."""
    with services.db.reading() as session:
        return compose(session, services, day)


def render_text(services: Services, stats: DayStats) -> str:
    texts = services.taxonomy.texts
    categories = [
        texts.report_category.format(name=name, count=count)
        for name, count in stats.intake_by_category.items()
        if count
    ]

    def minutes(value: float | None) -> str:
        return texts.report_no_figure if value is None else texts.report_minutes.format(n=f"{value:g}")

    text = texts.report_text.format(
        platform=services.taxonomy.platform,
        date=stats.day.isoformat(),
        intake=stats.intake,
        urgent_intake=stats.urgent_intake,
        categories=texts.list_separator.join(categories) or texts.report_no_figure,
        closed=stats.closed,
        urgent_closed=stats.urgent_closed,
        overdue=stats.overdue,
        contact_overdue=stats.contact_overdue,
        open=stats.open_cases,
        contact=minutes(stats.average_minutes_to_contact),
        solve=minutes(stats.average_minutes_to_solve),
    )
    return "\n".join([text, *department_lines(texts, stats.departments)])


def due_day(services: Services, now: datetime) -> date | None:
    """Today (local) once the report time has come; None before it."""
    local = services.local(now)
    return local.date() if local.time() >= services.settings.report_time else None


def is_queued(session: Session, day: date) -> bool:
    return session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key.startswith(f"{DEDUPE_PREFIX}{day.isoformat()}:"))
        .limit(1)
    ) is not None


def destinations(services: Services) -> list[StaffDestination]:
    """Every staff destination, and the command centre when one is configured."""
    found = list(services.staff_destinations)
    centre = command_centre(services)
    if centre is not None and centre not in found:
        found.append(centre)
    return found


def queue(session: Session, services: Services, report: DailyReport, image: Path, now: datetime) -> int:
    """One outbox row per destination; returns how many were new (0 when the day's report was queued)."""
    return queue_for_each(session, destinations(services), payloads.staff_report(report.text, str(image)),
                          dedupe_key=f"{DEDUPE_PREFIX}{report.stats.day.isoformat()}", now=now)


def due_report(services: Services, now: datetime) -> DailyReport | None:
    """Today's report once the report time has come and until it is queued; None otherwise."""
    day = due_day(services, now)
    if day is None:
        return None
    with services.db.reading() as session:
        return None if is_queued(session, day) else compose(session, services, day)


def send(services: Services, report: DailyReport, image: Path, now: datetime) -> bool:
    """Queue the report (its chart drawn already) to every destination; False when another process got
    there first. Two processes may draw the same day's chart; only one queues the rows."""
    with services.db.transaction() as session:
        if not try_sweep_lock(session, SWEEP):
            return False
        return queue(session, services, report, image, now) > 0
