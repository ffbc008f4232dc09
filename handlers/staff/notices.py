"""What staff are told, and through which outbox rows: the new-case card, danger alerts, supplements.

Rows are written in the citizen's transaction, so staff hear of exactly the cases that were committed.
The card itself is rendered when it is sent (`render_card`), so it shows the case as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, object_session

from handlers.cases import similar
from handlers.cases.actions import allowed_actions
from handlers.cases.details import CaseDetails, detail_lines
from handlers.cases.states import OPEN, Status
from handlers.cases.timeline import CITIZEN, SYSTEM
from handlers.delivery import payloads
from handlers.delivery.outbox import OutboxItem, queue_for_each
from handlers.services import Services
from handlers.wording import citizen_words, status_label
from storage.cases import followers_of, record_staff_message
from storage.encryption import mask_name, mask_phone
from storage.models import Case, CaseEvent


def announce_case(session: Session, services: Services, case_id: int, now: datetime, *, urgent: bool) -> None:
    queue_for_each(session, services.staff_destinations, payloads.case_card(case_id), dedupe_key=f"card:{case_id}",
                   now=now, case_id=case_id, urgent=urgent)


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
    return queue_for_each(session, services.staff_destinations, payloads.staff_text(text), dedupe_key=dedupe_key,
                          now=now, case_id=case_id, urgent=urgent)


def render_card(services: Services, case: Case) -> str:
    """The staff card: urgent first line, masked contact, problem, deadlines."""
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    cipher = services.cipher
    reasons = case.evidence.get("urgency", {}).get("reasons", []) if case.evidence else []

    def when(moment: datetime) -> str:
        return f"{services.local(moment):%m-%d %H:%M}"

    card = texts.staff_card.format(
        urgent_line=texts.staff_card_urgent_line if case.urgent
        else texts.staff_card_possible_line if possibly_urgent(services, case) else "",
        number=case.number,
        category=case.category,
        category_flag=texts.category_unsure if case.needs_review else "",
        urgency=case.urgency,
        reasons=texts.staff_card_reasons.format(reasons=texts.list_separator.join(reasons)) if reasons else "",
        district=case.district or texts.masked_none,
        name=mask_name(cipher.decrypt(case.name_enc)) or texts.masked_none,
        phone=mask_phone(cipher.decrypt(case.phone_enc)) or texts.masked_none,
        details=detail_lines(taxonomy, staff_details(services, case)),
        problem=citizen_words(case.problem),
        contact_due=when(case.contact_due),
        resolve_due=when(case.resolve_due),
        channel=case.channel,
    )
    if case.status != Status.RECEIVED or case.department or case.contacted_at:
        last = _last_step(case)
        state = [status_label(taxonomy, case.status), case.department,
                 texts.staff_card_contacted if case.contacted_at else None]
        card += "\n" + texts.staff_card_status.format(
            status=" · ".join(part for part in state if part),
            actor={CITIZEN: texts.staff_card_by_citizen, SYSTEM: texts.staff_card_by_system}.get(
                last.actor, last.actor) if last else "",
            at=when(last.at) if last else "",
        )
    return card + similar_lines(services, case)


def similar_lines(services: Services, case: Case) -> str:
    """相似求助 N 件 (the case's group, when it has other open cases) and the citizens who follow it."""
    texts = services.taxonomy.texts.similar
    session = object_session(case)
    if session is None:
        return ""
    lines = ""
    group = similar.group_of(session, case.id)
    if group.size >= 2 and group.representative is not None:
        lines += "\n" + texts.card_line.format(count=group.size, representative=group.representative.number)
    following = len(followers_of(session, case))
    if following:
        lines += "\n" + texts.card_followers.format(count=following)
    return lines


def staff_details(services: Services, case: Case) -> CaseDetails:
    """The case's details as staff see them on a card: the second number masked like the first."""
    details = CaseDetails.unseal(services.cipher, case.details_enc)
    return replace(details, phone2=mask_phone(details.phone2) or None,
                   address=citizen_words(details.address) if details.address else None)


def possibly_urgent(services: Services, case: Case) -> bool:
    """Filed as 待确认紧急 and not yet confirmed or cleared by staff (that changes its urgency)."""
    return case.urgency == services.taxonomy.urgency.possible


def _last_step(case: Case) -> CaseEvent | None:
    """Who moved the case last: a change of state by anyone (the citizen withdrawing, the revisit sweep
    closing), or a staff member's step. A supplement or a looked-up phone number moves nothing."""
    return next((event for event in reversed(case.events)
                 if event.to_status or (event.actor not in (CITIZEN, SYSTEM) and event.kind != "phone_revealed")),
                None)


@dataclass(frozen=True)
class StaffCard:
    """A case's card as every staff channel draws it: the text, and what may be done to the case now."""

    case_id: int
    number: str
    text: str
    actions: tuple[str, ...]  # the next allowed steps (`allowed_actions`), the card's buttons
    has_phone: bool  # 查看电话 is offered while the case has a phone
    departments: tuple[str, ...]  # in routing order for the case's category and district
    posted: dict[str, str]  # where the card was posted, by channel ("chat:message")
    possibly_urgent: bool = False  # 确认紧急 / 不紧急 are offered while staff have not decided
    similar: int = 0  # open cases in the case's group of similar cases (itself included), 0 when alone


def card_of(services: Services, case: Case) -> StaffCard:
    return StaffCard(
        case_id=case.id,
        number=case.number,
        text=render_card(services, case),
        actions=tuple(allowed_actions(case)),
        has_phone=bool(case.phone_enc),
        departments=tuple(services.taxonomy.departments_for(case.category, case.district)),
        posted=dict(case.staff_messages or {}),
        possibly_urgent=possibly_urgent(services, case) and Status(case.status) in OPEN,
        similar=_group_size(case),
    )


def _group_size(case: Case) -> int:
    session = object_session(case)
    size = similar.group_of(session, case.id).size if session is not None else 0
    return size if size >= 2 else 0


def staff_card(services: Services, case_id: int) -> StaffCard | None:
    """The card of the case as it is now, read in one go (text and buttons agree); None when it is gone."""
    with services.db.reading() as session:
        case = session.get(Case, case_id)
        return None if case is None else card_of(services, case)


def message_for_staff(services: Services, item: OutboxItem) -> tuple[str, StaffCard | None]:
    """A staff row's text: a case card rendered from the case as it is now, with the card; or the row's
    own text (a notice, an escalation, the daily report — whose chart, payload "image", a sender may add
    as a photo)."""
    if item.kind in payloads.CARD_KINDS and item.case_id is not None:
        card = staff_card(services, item.case_id)
        if card is not None:
            return card.text, card
    return str(item.payload.get("text", "")), None


def remember_posted_card(services: Services, case_id: int, channel: str, ref: str) -> None:
    """Where the card was posted on a channel ("chat:message"), so later steps edit it in place."""
    with services.db.transaction() as session:
        record_staff_message(session, case_id, channel, ref)
