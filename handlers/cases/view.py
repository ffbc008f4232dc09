"""A case as plain data for staff and scripts (`case show --json`), with personal data masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from handlers.attachments.viewing import summaries
from handlers.cases.details import CaseDetails, describe_person
from handlers.services import Services
from handlers.wording import status_label
from storage.cases import all_cases, case_by_number
from storage.encryption import mask_name, mask_phone, redact_identifiers
from storage.models import Case, CaseEvent


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def event_view(services: Services, event: CaseEvent, *, reveal: bool = False) -> dict[str, Any]:
    """One timeline line; identifiers in its text (a supplement's phone number) masked unless `reveal`."""
    return {
        "at": _iso(services.local(event.at)),
        "kind": event.kind,
        "actor": event.actor,
        "public": event.public,
        "text": event.text if reveal or event.text is None else redact_identifiers(event.text),
        "from_status": event.from_status,
        "to_status": event.to_status,
    }


def case_view(services: Services, case: Case, *, timeline: bool = True, reveal: bool = False) -> dict[str, Any]:
    cipher = services.cipher
    name = cipher.decrypt(case.name_enc)
    phone = cipher.decrypt(case.phone_enc)
    details = CaseDetails.unseal(cipher, case.details_enc)
    view: dict[str, Any] = {
        "number": case.number,
        "status": case.status,
        "status_label": status_label(services.taxonomy, case.status),
        "category": case.category,
        "category_confidence": round(case.category_confidence, 3),
        "needs_review": case.needs_review,
        "urgency": case.urgency,
        "district": case.district,
        "channel": case.channel,
        "created_at": _iso(services.local(case.created_at)),
        "updated_at": _iso(services.local(case.updated_at)),
        "department": case.department,
        # the department's part: handed over, due to accept (签收) by, accepted, how often handed back (退回)
        "assigned_at": _iso(case.assigned_at and services.local(case.assigned_at)),
        "accept_due": _iso(case.accept_due and services.local(case.accept_due)),
        "accepted_at": _iso(case.accepted_at and services.local(case.accepted_at)),
        "returns": case.returns or 0,
        "name": name if reveal else mask_name(name),
        "phone": phone if reveal else mask_phone(phone),
        "phone2": details.phone2 if reveal else (mask_phone(details.phone2) or None),
        "address": details.address if reveal or not details.address else redact_identifiers(details.address),
        "place": case.place,
        "person_in_need": details.person.to_dict() if details.person else None,
        "person_in_need_text": describe_person(services.taxonomy, details.person) or None,
        "problem": case.problem if reveal else redact_identifiers(case.problem),
        "contact_due": _iso(services.local(case.contact_due)),
        "resolve_due": _iso(services.local(case.resolve_due)),
        "feedback_due": _iso(services.local(case.feedback_due)),
        "contacted_at": _iso(case.contacted_at and services.local(case.contacted_at)),
        "resolved_at": _iso(case.resolved_at and services.local(case.resolved_at)),
        "closed_at": _iso(case.closed_at and services.local(case.closed_at)),
        "result": case.result,
        "satisfaction": case.satisfaction,
        "merged_into": case.merged_into.number if case.merged_into is not None else None,
        "evidence": case.evidence,
    }
    if timeline:
        view["timeline"] = [event_view(services, event, reveal=reveal) for event in case.events]
    return view


def list_cases(services: Services) -> list[dict[str, Any]]:
    """Every case in every status, oldest first, without timelines (`case list`)."""
    with services.db.reading() as session:
        return [case_view(services, case, timeline=False) for case in all_cases(session)]


def show_case(services: Services, number: str) -> dict[str, Any] | None:
    """One case with its timeline (`case show`); None when there is no such case."""
    with services.db.reading() as session:
        case = case_by_number(session, number)
        if case is None:
            return None
        view = case_view(services, case)
        view["attachments"] = [
            {"id": item.public_id, "content_type": item.content_type, "width": item.width, "height": item.height,
             "size": item.size, "received_at": _iso(services.local(item.received_at))}
            for item in summaries(session, case.id)
        ]
        return view


def case_number(services: Services, case_id: int) -> str | None:
    """The number of the case a row points at; None when it is gone."""
    with services.db.reading() as session:
        return session.scalar(select(Case.number).where(Case.id == case_id))
