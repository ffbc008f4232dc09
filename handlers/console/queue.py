"""The console's queue: cases filtered, searched and paged, urgent first, then by the nearest deadline.

The search takes a case number (or part of one), words of the problem, a full mobile number (found by its
keyed hash, never stored readable) or a phone as staff see it masked (139****5678, found by decrypting
the phones of the cases the other filters leave, at most SCAN_LIMIT of them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from handlers.cases.states import OPEN, Status
from handlers.console.scope import Scoped
from handlers.console.similar import group_counts, one_row_per_group
from handlers.services import Services
from handlers.wording import status_label
from storage.models import Case

PAGE_SIZE = 50
SCAN_LIMIT = 5000
ALL = "all"
URGENT, NORMAL = "urgent", "normal"
_MOBILE = re.compile(r"^1\d{10}$")
_MASKED = re.compile(r"^(\d{3})\*+(\d{4})$")
_TAIL = re.compile(r"^\*+(\d{4})$")


@dataclass(frozen=True)
class QueueFilter:
    """What the staff member asked for; every field optional. `status` "" means the open cases."""

    status: str = ""
    category: str = ""
    district: str = ""
    department: str = ""
    urgency: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> QueueFilter:
        """From a query string; a value that makes no sense is left out rather than refused."""
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        status = params.get("status", "")
        return cls(
            status=status if status == ALL or status in Status.__members__.values() else "",
            category=params.get("category", "")[:32],
            district=params.get("district", "")[:32],
            department=params.get("department", "")[:64],
            urgency=params.get("urgency", "") if params.get("urgency") in (URGENT, NORMAL) else "",
            overdue=params.get("overdue") in ("1", "on", "true"),
            date_from=day("from"),
            date_to=day("to"),
            search=params.get("q", "").strip()[:100],
            page=page,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """As a query string's fields (empty ones left out), with `changes` applied."""
        chosen = replace(self, **changes)
        names = {"date_from": "from", "date_to": "to", "search": "q"}
        out = {}
        for item in fields(chosen):
            value = getattr(chosen, item.name)
            if item.name == "page" and value == 1:
                continue
            if value in ("", None, False):
                continue
            out[names.get(item.name, item.name)] = "1" if value is True else str(value)
        return out

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))


@dataclass(frozen=True)
class Deadline:
    kind: str  # contact | resolve | feedback
    at: datetime  # local time
    overdue: bool
    left: timedelta  # negative when overdue


@dataclass(frozen=True)
class QueueRow:
    number: str
    urgent: bool
    category: str
    district: str | None
    status: str
    status_label: str
    department: str | None
    received: datetime  # local time
    deadline: Deadline | None
    similar: int = 0  # open cases in its group of similar cases (two or more), shown as one row


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def next_deadline(services: Services, case: Case, now: datetime) -> Deadline | None:
    """The deadline the case is working towards now: contacting the citizen, then solving, then the
    feedback once solved; none for a case that is over."""
    status = Status(case.status)
    if status in OPEN:
        kind, due = ("contact", case.contact_due) if case.contacted_at is None else ("resolve", case.resolve_due)
    elif status in (Status.RESOLVED, Status.REVISITED) and case.closed_at is None:
        kind, due = "feedback", case.feedback_due
    else:
        return None
    return Deadline(kind, services.local(due), due <= now, due - now)


def _next_due():
    """The SQL twin of next_deadline's time, for ordering."""
    return sql_case((Case.contacted_at.is_(None), Case.contact_due), else_=Case.resolve_due)


def _filtered(services: Services, account: Scoped, wanted: QueueFilter, now: datetime) -> Select:
    statement = select(Case)
    if account.department is not None:
        statement = statement.where(Case.department == account.department)
    if wanted.status == "":
        statement = statement.where(Case.status.in_([s.value for s in OPEN]))
    elif wanted.status != ALL:
        statement = statement.where(Case.status == wanted.status)
    for column, value in ((Case.category, wanted.category), (Case.district, wanted.district),
                          (Case.department, wanted.department)):
        if value:
            statement = statement.where(column == value)
    if wanted.urgency:
        statement = statement.where(Case.urgent.is_(wanted.urgency == URGENT))
    if wanted.overdue:
        statement = statement.where(Case.status.in_([s.value for s in OPEN]), _next_due() <= now)
    if wanted.date_from:
        statement = statement.where(Case.created_at >= _local_midnight(services, wanted.date_from))
    if wanted.date_to:
        statement = statement.where(Case.created_at < _local_midnight(services, wanted.date_to + timedelta(days=1)))
    return statement


def _local_midnight(services: Services, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=services.tz)


def _searched(services: Services, session: Session, statement: Select, search: str) -> Select:
    if not search:
        return statement
    if _MOBILE.match(search):
        return statement.where(Case.phone_index == services.cipher.index(search))
    masked = _MASKED.match(search) or _TAIL.match(search)
    if masked:
        head, tail = (masked.group(1), masked.group(2)) if masked.re is _MASKED else ("", masked.group(1))
        candidates = session.execute(
            statement.with_only_columns(Case.id, Case.phone_enc).where(Case.phone_enc.is_not(None))
            .order_by(Case.id.desc()).limit(SCAN_LIMIT)).all()
        ids = []
        for case_id, sealed in candidates:
            phone = services.cipher.decrypt(sealed) or ""
            if phone.startswith(head) and phone.endswith(tail):
                ids.append(case_id)
        return statement.where(Case.id.in_(ids))
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return statement.where(or_(Case.number.ilike(pattern, escape="\\"), Case.problem.like(pattern, escape="\\")))


def matching(services: Services, session: Session, account: Scoped, wanted: QueueFilter) -> Select:
    """Every case the filter and the search find that the account may see (all pages, unordered)."""
    return _searched(services, session, _filtered(services, account, wanted, services.clock.now()), wanted.search)


def queue_page(services: Services, account: Scoped, wanted: QueueFilter) -> QueuePage:
    """One page of the queue as this account may see it, read in one go."""
    now = services.clock.now()
    with services.db.reading() as session:
        statement = _searched(services, session, _filtered(services, account, wanted, now), wanted.search)
        if wanted.status == "" and not wanted.search:
            statement = one_row_per_group(statement, account)
        total = session.scalar(statement.with_only_columns(func.count(Case.id)).order_by(None)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(wanted.page, pages)
        ordered = statement.order_by(sql_case((and_(Case.urgent.is_(True)), 0), else_=1), _next_due(), Case.id)
        cases = session.scalars(ordered.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        groups = group_counts(session, [case.id for case in cases])
        rows = [
            QueueRow(number=case.number, urgent=case.urgent, category=case.category, district=case.district,
                     status=case.status, status_label=status_label(services.taxonomy, case.status),
                     department=case.department, received=services.local(case.created_at),
                     deadline=next_deadline(services, case, now), similar=groups.get(case.id, 0))
            for case in cases
        ]
    return QueuePage(rows, total, page, pages)


def span_words(services: Services, span: timedelta) -> str:
    """"2 小时 5 分" — how far a deadline is, in the console's words."""
    texts = services.taxonomy.texts.console
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return texts.span_days.format(d=days, h=hours)
    if hours:
        return texts.span_hours.format(h=hours, m=mins)
    return texts.span_minutes.format(m=mins)


@dataclass(frozen=True)
class FilterChoices:
    """What the queue's filters offer, from the taxonomy: (value, label) pairs."""

    statuses: list[tuple[str, str]]
    categories: list[str]
    districts: list[str]
    departments: list[str]


def filter_choices(services: Services, account: Scoped) -> FilterChoices:
    taxonomy = services.taxonomy
    departments = [d.name for d in taxonomy.departments]
    return FilterChoices(
        statuses=[(status.value, status_label(taxonomy, status.value)) for status in Status],
        categories=list(taxonomy.category_names),
        districts=[district.name for district in taxonomy.districts.items],
        departments=departments if account.department is None else [account.department],
    )
