"""The day's figures the command centre published: intake by category, closed, urgent closed, overdue,
average time to contact and to solve. Used by /stats, `yibang stats` and the daily report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases.states import OPEN, Status
from handlers.reports.departments import DepartmentFigures, department_figures
from handlers.services import Services
from storage.models import Case

DONE = (Status.RESOLVED.value, Status.REVISITED.value, Status.CLOSED.value)


@dataclass
class DayStats:
    day: date
    intake: int = 0
    intake_by_category: dict[str, int] = field(default_factory=dict)
    intake_by_district: dict[str, int] = field(default_factory=dict)
    urgent_intake: int = 0
    closed: int = 0
    urgent_closed: int = 0
    overdue: int = 0
    contact_overdue: int = 0
    open_cases: int = 0
    average_minutes_to_contact: float | None = None
    average_minutes_to_solve: float | None = None
    # each department's day (handlers/reports/departments.py)
    departments: list[DepartmentFigures] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "intake": self.intake,
            "intake_by_category": self.intake_by_category,
            "intake_by_district": self.intake_by_district,
            "urgent_intake": self.urgent_intake,
            "closed": self.closed,
            "urgent_closed": self.urgent_closed,
            "overdue": self.overdue,
            "contact_overdue": self.contact_overdue,
            "open": self.open_cases,
            "average_minutes_to_contact": self.average_minutes_to_contact,
            "average_minutes_to_solve": self.average_minutes_to_solve,
            "departments": [figures.as_dict() for figures in self.departments],
        }


def _average_minutes(spans: list[timedelta]) -> float | None:
    if not spans:
        return None
    return round(sum(span.total_seconds() for span in spans) / len(spans) / 60, 1)


def day_window(services: Services, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=services.tz)
    return start, start + timedelta(days=1)


def day_stats(session: Session, services: Services, day: date) -> DayStats:
    """Figures for one local day; "overdue" is counted at the end of that day, or now if that is sooner."""
    start, end = day_window(services, day)
    cutoff = min(end, services.clock.now())
    stats = DayStats(day)

    created = session.scalars(select(Case).where(Case.created_at >= start, Case.created_at < end)).all()
    stats.intake = len(created)
    stats.urgent_intake = sum(1 for case in created if case.urgent)
    categories = Counter(case.category for case in created)
    stats.intake_by_category = {name: categories.get(name, 0) for name in services.taxonomy.category_names}
    districts = Counter(case.district or services.taxonomy.texts.unknown_district for case in created)
    stats.intake_by_district = dict(districts.most_common())

    solved = session.scalars(
        select(Case).where(Case.resolved_at >= start, Case.resolved_at < end, Case.status.in_(DONE))
    ).all()
    stats.closed = len(solved)
    stats.urgent_closed = sum(1 for case in solved if case.urgent)
    stats.average_minutes_to_solve = _average_minutes([case.resolved_at - case.created_at for case in solved])

    contacted = session.scalars(select(Case).where(Case.contacted_at >= start, Case.contacted_at < end)).all()
    stats.average_minutes_to_contact = _average_minutes([case.contacted_at - case.created_at for case in contacted])

    open_statuses = [status.value for status in OPEN]
    stats.open_cases = len(session.scalars(
        select(Case.id).where(Case.status.in_(open_statuses), Case.created_at < cutoff)
    ).all())
    stats.overdue = len(session.scalars(
        select(Case.id).where(Case.status.in_(open_statuses), Case.resolve_due < cutoff)
    ).all())
    stats.contact_overdue = len(session.scalars(
        select(Case.id).where(
            Case.status.in_(open_statuses),
            Case.contact_due < cutoff,
            Case.contacted_at.is_(None),
        )
    ).all())
    stats.departments = department_figures(session, services, start, end)
    return stats


def figures_of_day(services: Services, day: date) -> DayStats:
    """The day's figures, read in one go (`yibang stats`)."""
    with services.db.reading() as session:
        return day_stats(session, services, day)
