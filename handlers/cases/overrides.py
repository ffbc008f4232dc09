"""Staff corrections of the classifier as labelled examples for the next `yibang learn`.

Every override is on the timeline: `recategorised` and `urgency_changed` events with data
{field, old, new, problem}, written by the staff workflow (handlers/cases/actions.py). A case staff
corrected becomes one example: its text, and the category, urgency and district it has now — the labels
a person settled on, whichever field they changed. The rows have the shape of the taxonomy's development
set (`id, text, category, urgency, district, note`), so `yibang learn --train` and `yibang classify --eval`
read them as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from config.texts import Texts
from handlers.services import Services
from storage.models import Case, CaseEvent

# staff corrections, and a citizen's choice of category when the classifier was unsure (category_choice)
OVERRIDE_KINDS = ("recategorised", "urgency_changed", "category_chosen")
COLUMNS = ("id", "text", "category", "urgency", "district", "note")


def _change(texts: Texts, data: dict[str, Any]) -> str:
    """类别 其他→寻医买药: what one correction changed, for the note column."""
    field = str(data.get("field"))
    name = getattr(texts, f"override_field_{field}", field)
    return texts.override_note.format(field=name, old=data.get("old"), new=data.get("new"))


def override_examples(session: Session, texts: Texts, levels: tuple[str, ...]) -> list[dict[str, Any]]:
    """One labelled example per corrected case, in the order of the cases' last correction; `levels`: the
    urgency labels learning takes (紧急, 一般)."""
    events = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.kind.in_(OVERRIDE_KINDS))
        .order_by(CaseEvent.at, CaseEvent.id)
        .options(selectinload(CaseEvent.case))
    ).all()
    by_case: dict[int, list[CaseEvent]] = {}
    for event in events:
        # re-inserted, so a case sorts by its latest correction
        by_case[event.case_id] = [*by_case.pop(event.case_id, []), event]
    rows = []
    for corrections in by_case.values():
        case: Case = corrections[0].case
        latest = corrections[-1].data or {}
        changes = [_change(texts, e.data) for e in corrections if e.data]
        rows.append(
            {
                "id": case.number,
                "text": latest.get("problem") or case.problem,
                "category": case.category,
                # 待确认紧急 is no label to learn from: empty until staff confirm or clear it
                "urgency": case.urgency if case.urgency in levels else "",
                "district": case.district or "",
                "note": "; ".join(changes),
            }
        )
    return rows


def export_examples(services: Services) -> list[dict[str, Any]]:
    """`overrides export`: the labelled examples, read in one go."""
    with services.db.reading() as session:
        urgency = services.taxonomy.urgency
        return override_examples(session, services.taxonomy.texts, (urgency.urgent, urgency.normal))
