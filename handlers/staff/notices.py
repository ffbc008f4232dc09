"""What staff are told, and through which outbox rows: the new-case card, danger alerts, supplements.

Rows are written in the citizen's transaction, so staff hear of exactly the cases that were committed.
The card itself is rendered when it is sent (`render_card`), so it shows the case as it is then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers.cases.timeline import CITIZEN, SYSTEM
from handlers.services import Services
from handlers.wording import status_label
from storage import outbox
from storage.encryption import mask_name, mask_phone, redact_phones
from storage.models import Case, CaseEvent


def announce_case(session: Session, services: Services, case_id: int, now: datetime, *, urgent: bool) -> None:
    for destination in services.staff_destinations:
        outbox.enqueue(
            session,
            channel=destination.channel,
            target=destination.target,
            payload={"kind": "case_card", "case_id": case_id},
            dedupe_key=f"card:{case_id}:{destination.channel}:{destination.target}",
            now=now,
            case_id=case_id,
            urgent=urgent,
        )


def tell_staff(
    session: Session,
    services: Services,
    text: str,
    *,
    dedupe_key: str,
    now: datetime,
    case_id: int | None = None,
    urgent: bool = False,
) -> int:
    """A plain message to every staff destination (alerts, supplements, escalations); returns how many
    rows were new (0 when this notice was queued before)."""
    queued = 0
    for destination in services.staff_destinations:
        queued += outbox.enqueue(
            session,
            channel=destination.channel,
            target=destination.target,
            payload={"kind": "staff_text", "text": text},
            dedupe_key=f"{dedupe_key}:{destination.channel}:{destination.target}",
            now=now,
            case_id=case_id,
            urgent=urgent,
        )
    return queued


def render_card(services: Services, case: Case) -> str:
    """The staff card: urgent first line, masked contact, problem, deadlines (DESIGN §9)."""
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    cipher = services.cipher
    reasons = case.evidence.get("urgency", {}).get("reasons", []) if case.evidence else []

    def when(moment: datetime) -> str:
        return f"{services.local(moment):%m-%d %H:%M}"

    card = texts.staff_card.format(
        urgent_line=texts.staff_card_urgent_line if case.urgent else "",
        number=case.number,
        category=case.category,
        category_flag=texts.category_unsure if case.needs_review else "",
        urgency=case.urgency,
        reasons=f"（{'、'.join(reasons)}）" if reasons else "",
        district=case.district or texts.masked_none,
        name=mask_name(cipher.decrypt(case.name_enc)) or texts.masked_none,
        phone=mask_phone(cipher.decrypt(case.phone_enc)) or texts.masked_none,
        problem=redact_phones(case.problem),
        contact_due=when(case.contact_due),
        resolve_due=when(case.resolve_due),
        channel=case.channel,
    )
    if case.status != "received" or case.department or case.contacted_at:
        last = _last_step(case)
        state = [status_label(taxonomy, case.status), case.department,
                 texts.staff_card_contacted if case.contacted_at else None]
        card += "\n" + texts.staff_card_status.format(
            status=" · ".join(part for part in state if part),
            actor={CITIZEN: texts.staff_card_by_citizen, SYSTEM: texts.staff_card_by_system}.get(
                last.actor, last.actor) if last else "",
            at=when(last.at) if last else "",
        )
    return card


def _last_step(case: Case) -> CaseEvent | None:
    """Who moved the case last: a change of state by anyone (the citizen withdrawing, the revisit sweep
    closing), or a staff member's step. A supplement or a looked-up phone number moves nothing."""
    return next((event for event in reversed(case.events)
                 if event.to_status or (event.actor not in (CITIZEN, SYSTEM) and event.kind != "phone_revealed")),
                None)
