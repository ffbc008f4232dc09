"""The console's 统计: intake by category and district, closed, open and overdue now, each promise of
1-3-7-1-0 kept on time, and what citizens said at the revisit — for today and for a chosen range of days,
over the cases the account may see (a department's own)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from handlers.cases.states import FINAL, OPEN, Status
from handlers.console.scope import Scoped
from handlers.reports.departments import DepartmentFigures, department_figures
from handlers.services import Services
from handlers.wording import duration
from storage.models import Case

LONGEST_RANGE = timedelta(days=366)
DONE = {Status.RESOLVED.value, Status.REVISITED.value, Status.CLOSED.value}


@dataclass(frozen=True)
class PromiseRate:
    """One promise: how many cases were due to keep it by now, and how many did."""

    label: str
    met: int
    due: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.met / self.due) if self.due else None


@dataclass
class Figures:
    start: date
    end: date  # inclusive
    intake: int = 0
    urgent: int = 0
    closed: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    promises: list[PromiseRate] = field(default_factory=list)
    satisfaction: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Dashboard:
    today: Figures
    chosen: Figures
    open_now: int
    overdue_now: int
    # each department's part in the chosen days (handlers/reports/departments.py); a department's own alone
    departments: list[DepartmentFigures] = field(default_factory=list)


def parse_range(services: Services, start: str | None, end: str | None) -> tuple[date, date]:
    """The days asked for (today when none, at most a year, in order)."""
    today = services.local(services.clock.now()).date()

    def day(value: str | None, default: date) -> date:
        try:
            return date.fromisoformat(value or "")
        except ValueError:
            return default

    first, last = day(start, today), day(end, today)
    if last < first:
        first, last = last, first
    return max(first, last - LONGEST_RANGE), last


def dashboard(services: Services, account: Scoped, start: date, end: date) -> Dashboard:
    now = services.clock.now()
    today = services.local(now).date()
    with services.db.reading() as session:
        open_cases = _scoped(select(func.count(Case.id)), account).where(
            Case.status.in_([s.value for s in OPEN]))
        return Dashboard(
            today=figures(session, services, account, today, today),
            chosen=figures(session, services, account, start, end),
            open_now=session.scalar(open_cases) or 0,
            overdue_now=session.scalar(open_cases.where(Case.resolve_due <= now)) or 0,
            departments=[each for each in department_figures(session, services, *_window(services, start, end))
                         if account.department in (None, each.department)],
        )


def figures(session: Session, services: Services, account: Scoped, start: date, end: date) -> Figures:
    """The figures of the cases filed from `start` to `end` (local days, inclusive)."""
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    begin, until = _window(services, start, end)
    cases = session.scalars(_scoped(select(Case), account)
                            .where(Case.created_at >= begin, Case.created_at < until)).all()
    result = Figures(start, end, intake=len(cases), urgent=sum(1 for case in cases if case.urgent))
    categories = Counter(case.category for case in cases)
    result.by_category = {name: categories.get(name, 0) for name in taxonomy.category_names}
    districts = Counter(case.district or texts.unknown_district for case in cases)
    result.by_district = dict(districts.most_common())
    solved = session.scalar(_scoped(select(func.count(Case.id)), account).where(
        Case.resolved_at >= begin, Case.resolved_at < until, Case.status.in_(DONE))) or 0
    result.closed = solved
    result.promises = promise_rates(services, cases, services.clock.now())
    rated = Counter(case.satisfaction for case in cases if case.satisfaction)
    labels = [texts.choice_satisfied, texts.choice_fairly_satisfied, texts.choice_dissatisfied]
    result.satisfaction = {label: rated.get(label, 0) for label in labels} if rated else {}
    return result


def promise_rates(services: Services, cases: list[Case], now: datetime) -> list[PromiseRate]:
    """1-3-7-1-0: contact in time (every case), solve in time (urgent, then the others, each by its own
    promise), the result fed back in time, and cleared (every case over). A case counts towards a promise
    once its deadline has passed or it kept it."""
    taxonomy = services.taxonomy
    words = taxonomy.texts.console
    urgency = taxonomy.urgency

    def rate(label: str, pairs: list[tuple[datetime, datetime | None]]) -> PromiseRate:
        due = [(deadline, done) for deadline, done in pairs if done is not None or deadline <= now]
        return PromiseRate(label, sum(1 for deadline, done in due if done is not None and done <= deadline),
                           len(due))

    contact = taxonomy.promise[urgency.normal].contact
    rates = [rate(words.promise_contact.format(duration=duration(taxonomy, contact)),
                  [(case.contact_due, case.contacted_at) for case in cases])]
    for level in (urgency.urgent, urgency.normal):
        promise = taxonomy.promise[level]
        rates.append(rate(words.promise_resolve.format(level=level, duration=duration(taxonomy, promise.resolve)),
                          [(case.resolve_due, case.resolved_at) for case in cases if case.urgency == level]))
    feedback = taxonomy.promise[urgency.normal].feedback
    rates.append(rate(words.promise_feedback.format(duration=duration(taxonomy, feedback)),
                      [(case.feedback_due, case.resolved_at) for case in cases]))
    cleared = sum(1 for case in cases if Status(case.status) in FINAL)
    rates.append(PromiseRate(words.promise_cleared, cleared, len(cases)))
    return rates


def _window(services: Services, start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of the first local day to the start of the day after the last."""
    return (datetime.combine(start, time.min, tzinfo=services.tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=services.tz))


def _scoped(statement: Select, account: Scoped) -> Select:
    return statement if account.department is None else statement.where(Case.department == account.department)
