"""Filing a case, whichever way it came in: a finished dialogue, or a city system's Open311 request.

Number, classification (category, urgency and its evidence), the promise's deadlines, the first timeline
event and the staff card, all in the caller's transaction: a case number is given out only for a case that
is committed, and the outbox row that tells staff commits with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from classifier.person import person_reader
from config.taxonomy import Promise, Taxonomy
from handlers.attachments import records as attachments
from handlers.cases import similar
from handlers.cases.details import CaseDetails
from handlers.cases.states import Status
from handlers.cases.timeline import CITIZEN, add_event
from handlers.services import Services
from handlers.staff import notices as staff_notices
from storage import cases
from storage.database import after_commit


@dataclass(frozen=True)
class NewCase:
    """What a case is filed from."""

    channel: str
    user_key: str
    # where the citizen is told of progress on `channel`
    chat_key: str
    name: str | None
    phone: str | None
    district: str | None
    problem: str
    # ids of attachments the citizen sent before the case existed
    attachments: list[int] = field(default_factory=list)
    # the danger check fired while the citizen wrote (the emergency number was given): urgent whatever else
    danger: bool = False
    # a category the filer chose (an Open311 service); None: the classifier's
    category: str | None = None
    # the first timeline event: who filed, in what words (None: the taxonomy's event_received), with what
    actor: str = CITIZEN
    event_text: str | None = None
    event_data: dict[str, Any] = field(default_factory=dict)
    # the intake's details (address, second number, person in need) and the address's compound or road
    details: CaseDetails = CaseDetails()
    place: str | None = None


@dataclass(frozen=True)
class FiledCase:
    id: int
    number: str
    category: str
    urgency: str
    urgent: bool
    promise: Promise


def file_new_case(services: Services, session: Session, new: NewCase, now: datetime) -> FiledCase:
    taxonomy = services.taxonomy
    cipher = services.cipher
    classification = services.classify(new.problem)
    evidence = classification.evidence()
    # an old person alone who is ill: urgent by who they are, which the words alone may not say
    person_reason = person_urgency(taxonomy, new.details, new.problem)
    if person_reason and person_reason not in evidence["urgency"]["reasons"]:
        evidence["urgency"]["reasons"] = [*evidence["urgency"]["reasons"], person_reason]
    urgent = new.danger or classification.urgency.urgent or person_reason is not None
    # possibly urgent (待确认紧急): staff confirm or clear it; its deadlines run as for urgent meanwhile
    possible = not urgent and classification.urgency.possible
    levels = taxonomy.urgency
    urgency = levels.urgent if urgent else levels.possible if possible else levels.normal
    promise = taxonomy.promise.get(urgency) or taxonomy.promise[levels.urgent]
    number = cases.next_case_number(session, services.settings.case_prefix, services.local(now).date())
    chosen = new.category is not None
    category = new.category if chosen else classification.category.name

    values = {
        "number": number,
        "channel": new.channel,
        "user_key": new.user_key,
        "chat_key": new.chat_key,
        "name_enc": cipher.encrypt(new.name),
        "phone_enc": cipher.encrypt(new.phone),
        "phone_index": cipher.index(new.phone) if new.phone else None,
        "district": new.district,
        "details_enc": new.details.seal(cipher),
        "place": (new.place or None) and new.place[:64],
        "category": category,
        "category_confidence": 1.0 if chosen else classification.category.confidence,
        "needs_review": False if chosen else classification.category.needs_review,
        "urgency": urgency,
        "urgent": urgent,
        "evidence": evidence,
        "problem": new.problem,
        "status": Status.RECEIVED.value,
        "created_at": now,
        "updated_at": now,
        "contact_due": now + promise.contact,
        "resolve_due": now + promise.resolve,
        "feedback_due": now + promise.feedback,
    }
    case_id = cases.insert_case(session, values)
    add_event(session, case_id, at=now, kind="received", actor=new.actor, public=True,
              text=new.event_text or taxonomy.texts.event_received, to_status=Status.RECEIVED.value,
              data=new.event_data)
    # before the card, so the card shows the case's group
    similar.index_case(session, services, case_id, district=new.district, problem=new.problem, created_at=now)
    staff_notices.announce_case(session, services, case_id, now, urgent=urgent or possible)
    # after the card, so the photos received before filing reply to it
    attachments.attach(session, services, new.attachments, case_id=case_id, channel=new.channel,
                       user_key=new.user_key, now=now)
    after_commit(session, lambda: services.observer.case_filed(new.channel, category, urgency))
    return FiledCase(id=case_id, number=number, category=category, urgency=urgency, urgent=urgent, promise=promise)


def person_urgency(taxonomy: Taxonomy, details: CaseDetails, problem: str) -> str | None:
    """The urgency reason the person in need adds (taxonomy `intake.person`), or None."""
    return person_reader(taxonomy.intake.person).urgent_reason(details.person, problem)
