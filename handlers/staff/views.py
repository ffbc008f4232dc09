"""What staff read in their group: the queue (/queue), one case (/case), the day's figures (/stats)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.texts import Texts
from handlers.cases.states import OPEN
from handlers.reports.departments import department_lines
from handlers.reports.statistics import day_stats
from handlers.services import Services
from handlers.staff.directory import StaffUser, authorise
from handlers.staff.notices import render_card
from handlers.wording import status_label
from storage.cases import case_by_number
from storage.models import Case

QUEUE_LIMIT = 30


def _minutes(texts: Texts, value: float | None) -> str:
    if value is None:
        return texts.report_no_figure
    if value < 120:
        return texts.staff_stats_minutes.format(n=f"{value:.0f}")
    return texts.staff_stats_hours.format(n=f"{value / 60:.1f}")


def queue_text(session: Session, services: Services, limit: int = QUEUE_LIMIT) -> str:
    """Open cases, urgent first, then by the nearest resolve deadline."""
    texts = services.taxonomy.texts
    statement = (
        select(Case)
        .where(Case.status.in_([status.value for status in OPEN]))
        .order_by(sql_case((Case.urgent.is_(True), 0), else_=1), Case.resolve_due, Case.id)
    )
    cases = session.scalars(statement.limit(limit)).all()
    if not cases:
        return texts.staff_queue_empty
    total = len(session.scalars(select(Case.id).where(Case.status.in_([s.value for s in OPEN]))).all())
    now = services.clock.now()
    lines = [texts.staff_queue_header.format(count=total)]
    for case in cases:
        lines.append(
            texts.staff_queue_item.format(
                urgent=texts.staff_queue_urgent if case.urgent else "",
                number=case.number,
                status=status_label(services.taxonomy, case.status),
                category=case.category,
                district=case.district or texts.report_no_figure,
                due=f"{services.local(case.resolve_due):%m-%d %H:%M}",
                overdue=texts.staff_queue_overdue if case.resolve_due <= now else "",
            )
        )
    return "\n".join(lines)


def case_text(session: Session, services: Services, number: str) -> str | None:
    case = case_by_number(session, number)
    if case is None:
        return None
    texts = services.taxonomy.texts
    lines = [render_card(services, case), texts.staff_case_timeline]
    for event in case.events:
        flag = "" if event.public else texts.staff_case_internal
        lines.append(f"{services.local(event.at):%m-%d %H:%M} {event.text or event.kind}{flag} · {event.actor}")
    return "\n".join(lines)


def stats_text(session: Session, services: Services, day: date) -> str:
    texts = services.taxonomy.texts
    figures = day_stats(session, services, day)
    by_category = texts.staff_stats_separator.join(
        texts.report_category.format(name=name, count=count)
        for name, count in figures.intake_by_category.items() if count
    )
    text = texts.staff_stats.format(
        date=figures.day.isoformat(),
        intake=figures.intake,
        urgent_intake=figures.urgent_intake,
        closed=figures.closed,
        urgent_closed=figures.urgent_closed,
        overdue=figures.overdue,
        contact_overdue=figures.contact_overdue,
        open=figures.open_cases,
        contact_minutes=_minutes(texts, figures.average_minutes_to_contact),
        solve_minutes=_minutes(texts, figures.average_minutes_to_solve),
        by_category=by_category or texts.report_no_figure,
    )
    return "\n".join([text, *department_lines(texts, figures.departments)])


class StaffCommand(StrEnum):
    """What staff may ask for by name in any staff chat."""

    QUEUE = "queue"  # open cases, urgent first, then by the nearest deadline
    CASE = "case"  # one case: the card and its timeline
    STATS = "stats"  # today's figures


def answer_command(services: Services, who: StaffUser, command: StaffCommand, argument: str) -> str:
    """What the command says to this person in this chat; read in one go, nothing written. Anyone who is
    not staff is told so, in words that reveal nothing (and the refusal is logged)."""
    texts = services.taxonomy.texts
    with services.db.reading() as session:
        if authorise(session, services, who) is None:
            return texts.staff_refused
        if command is StaffCommand.QUEUE:
            return queue_text(session, services)
        if command is StaffCommand.STATS:
            return stats_text(session, services, services.local(services.clock.now()).date())
        number = argument.split()[0] if argument else ""
        if not number:
            return texts.staff_case_usage
        found = case_text(session, services, number)
        # The number echoed back is cut to what a case number can be: the reply repeats nobody's text.
        return found if found is not None else texts.staff_unknown_case.format(number=number[:32])
