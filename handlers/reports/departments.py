"""Each department's day: cases handed to it (交办), accepted in time (签收 by the accept deadline), resolved
in time (办结 by the resolve deadline), handed back (退回), and the citizens' satisfaction with its cases.

Read from the timeline, so a figure counts what happened that day whatever the case did afterwards: a
交办 is counted for the department it named, a 签收 or 退回 for the department that did it; a resolution and
a citizen's satisfaction (满意 / 基本满意 closing the case, 不满意 reopening it) for the department holding the
case. Only departments with something to count are listed, in the taxonomy's order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.texts import Texts
from handlers.cases.timeline import CITIZEN
from handlers.services import Services
from storage.models import Case, CaseEvent

COUNTED = ("assigned", "accepted", "returned", "resolved", "closed", "reopened")


@dataclass
class DepartmentFigures:
    department: str
    handed: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    returned: int = 0
    satisfied: int = 0  # 满意 and 基本满意
    rated: int = 0  # every satisfaction answer, 不满意 included

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def department_figures(session: Session, services: Services, start: datetime, end: datetime) -> list[DepartmentFigures]:
    texts = services.taxonomy.texts
    satisfied_labels = {texts.choice_satisfied, texts.choice_fairly_satisfied}
    found: dict[str, DepartmentFigures] = {}

    def of(name: str | None) -> DepartmentFigures | None:
        if not name:
            return None
        return found.setdefault(name, DepartmentFigures(name))

    rows = session.execute(
        select(CaseEvent.kind, CaseEvent.actor, CaseEvent.data, CaseEvent.at, Case.department, Case.resolve_due)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.at >= start, CaseEvent.at < end, CaseEvent.kind.in_(COUNTED))
    )
    for kind, actor, data, at, holder, resolve_due in rows:
        data = data or {}
        if kind == "assigned" and (figures := of(data.get("department"))):
            figures.handed += 1
        elif kind == "accepted" and (figures := of(data.get("department"))):
            figures.accepted += 1
            figures.accepted_on_time += bool(data.get("on_time"))
        elif kind == "returned" and (figures := of(data.get("department"))):
            figures.returned += 1
        elif kind == "resolved" and (figures := of(holder)):
            figures.resolved += 1
            figures.resolved_on_time += at <= resolve_due
        elif kind in ("closed", "reopened") and actor == CITIZEN and (figures := of(holder)):
            answer = data.get("satisfaction") if kind == "closed" else data.get("answer")
            if answer is None or (kind == "reopened" and answer != texts.choice_dissatisfied):
                continue
            figures.rated += 1
            figures.satisfied += answer in satisfied_labels
    order = {name: index for index, name in enumerate(services.taxonomy.department_names)}
    return sorted(found.values(), key=lambda figures: (order.get(figures.department, len(order)), figures.department))


def department_lines(texts: Texts, figures: list[DepartmentFigures]) -> list[str]:
    """The report's lines for the departments: a header and a line each; none when nothing happened."""
    if not figures:
        return []
    words = texts.departments
    lines = [words.report_header]
    for each in figures:
        satisfaction = (words.report_satisfaction.format(satisfied=each.satisfied, rated=each.rated)
                        if each.rated else texts.report_no_figure)
        lines.append(words.report_line.format(
            department=each.department, handed=each.handed, accepted=each.accepted,
            accepted_on_time=each.accepted_on_time, resolved=each.resolved, resolved_on_time=each.resolved_on_time,
            returned=each.returned, satisfaction=satisfaction))
    return lines
