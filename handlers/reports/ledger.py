"""The ledger (台账): one row per case with the columns a staff office expects, for export.

Phones are masked unless a supervisor asks for them, and every case exported with its phone gets a
timeline event saying who took it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload, undefer

from config.texts import LedgerTexts
from handlers.services import Services
from handlers.wording import status_label
from storage.encryption import mask_name, mask_phone, redact_identifiers
from storage.models import Case, CaseEvent

# The columns in order, by their keys in the taxonomy's `texts.ledger` (which holds their titles).
COLUMNS: tuple[str, ...] = (
    "number", "received_at", "channel", "district", "category", "urgency", "status", "department", "name", "phone",
    "problem", "contact_due", "contacted_at", "contact_on_time", "resolve_due", "resolved_at", "resolve_on_time",
    "feedback_due", "result", "satisfaction", "merged_into",
    "attachments",
)


def column_titles(texts: LedgerTexts) -> list[str]:
    return [getattr(texts, column) for column in COLUMNS]


@dataclass(frozen=True)
class LedgerFilter:
    start: date | None = None
    end: date | None = None  # inclusive
    statuses: Sequence[str] = ()
    categories: Sequence[str] = ()


def _met(texts: LedgerTexts, due: datetime, done: datetime | None, now: datetime) -> str:
    if done is not None:
        return texts.on_time if done <= due else texts.late
    return texts.overdue if now > due else texts.not_due


def select_cases(session: Session, services: Services, wanted: LedgerFilter) -> list[Case]:
    statement = (select(Case).options(selectinload(Case.merged_into), undefer(Case.attachment_count))
                 .order_by(Case.created_at, Case.id))
    if wanted.start is not None:
        statement = statement.where(Case.created_at >= _midnight(services, wanted.start))
    if wanted.end is not None:
        statement = statement.where(Case.created_at < _midnight(services, wanted.end + timedelta(days=1)))
    if wanted.statuses:
        statement = statement.where(Case.status.in_(list(wanted.statuses)))
    if wanted.categories:
        statement = statement.where(Case.category.in_(list(wanted.categories)))
    return list(session.scalars(statement))


def _midnight(services: Services, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=services.tz)


def ledger_rows(services: Services, cases: Sequence[Case], *, reveal: bool) -> Iterator[list[object]]:
    now = services.clock.now()
    cipher = services.cipher
    words = services.taxonomy.texts.ledger

    def when(moment: datetime | None) -> str:
        return f"{services.local(moment):%Y-%m-%d %H:%M}" if moment else ""

    for case in cases:
        name = cipher.decrypt(case.name_enc)
        phone = cipher.decrypt(case.phone_enc)
        yield [
            case.number,
            when(case.created_at),
            case.channel,
            case.district or "",
            case.category,
            case.urgency,
            status_label(services.taxonomy, case.status),
            case.department or "",
            name if reveal else mask_name(name),
            phone if reveal else mask_phone(phone),
            case.problem if reveal else redact_identifiers(case.problem),
            when(case.contact_due),
            when(case.contacted_at),
            _met(words, case.contact_due, case.contacted_at, now),
            when(case.resolve_due),
            when(case.resolved_at),
            _met(words, case.resolve_due, case.resolved_at, now),
            when(case.feedback_due),
            case.result or "",
            case.satisfaction or "",
            case.merged_into.number if case.merged_into is not None else "",
            case.attachment_count,
        ]


def record_reveal(session: Session, case_ids: Sequence[int], actor: str, now: datetime, text: str) -> None:
    """One timeline event per case whose phone left the system in an export."""
    if not case_ids:
        return
    session.execute(
        insert(CaseEvent.__table__),
        [
            {"case_id": case_id, "at": now, "kind": "exported_with_phone", "actor": actor, "public": False,
             "text": text, "data": {}}
            for case_id in case_ids
        ],
    )


@dataclass(frozen=True)
class Ledger:
    rows: list[list[object]]
    case_ids: list[int]


def read_ledger(services: Services, wanted: LedgerFilter, *, reveal: bool,
                progress: Callable[[int, int], None] | None = None) -> Ledger:
    """The ledger's rows for the cases `wanted`, read in one go (`yibang export`); `progress` hears
    (rows done, rows in all) as the rows are made."""
    rows: list[list[object]] = []
    with services.db.reading() as session:
        cases = select_cases(session, services, wanted)
        for row in ledger_rows(services, cases, reveal=reveal):
            rows.append(row)
            if progress is not None:
                progress(len(rows), len(cases))
    return Ledger(rows, [case.id for case in cases])


def record_export_with_phones(services: Services, case_ids: Sequence[int], actor: str) -> None:
    """Every case whose full phone number left the system in an export says so on its timeline, with who."""
    with services.db.transaction() as session:
        record_reveal(session, case_ids, actor, services.clock.now(), services.taxonomy.texts.ledger.exported_with_phones)
