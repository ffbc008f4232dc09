"""A case's page in the console: the card and more — the problem and its supplements, the classifier's
evidence, masked contact, photos, deadlines, the whole timeline — and the steps this account may take on
it now (the same `allowed_actions` as the group card's buttons, narrowed by the account's scope)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from handlers.attachments.viewing import AttachmentSummary, summaries
from handlers.cases.actions import StaffStep, allowed_actions
from handlers.cases.details import detail_pairs
from handlers.cases.states import FINAL, Status
from handlers.cases.timeline import CITIZEN, SYSTEM
from handlers.console.accounts import ConsoleAccount
from handlers.console.queue import Deadline, next_deadline
from handlers.console.scope import CATEGORY, PHONE, URGENCY, may_take, sees_case
from handlers.console.similar import MERGE_SIMILAR, GroupView, group_view
from handlers.departments.workflow import department_steps
from handlers.services import Services
from handlers.staff.notices import staff_details
from handlers.wording import status_label
from storage.cases import case_by_number
from storage.encryption import mask_name, mask_phone, redact_identifiers
from storage.models import Case, CaseEvent

EVIDENCE_WORDS = 8


@dataclass(frozen=True)
class TimelineLine:
    at: datetime  # local time
    text: str
    actor: str
    internal: bool


@dataclass(frozen=True)
class DeadlineLine:
    kind: str  # contact | resolve | feedback
    due: datetime  # local time
    met: datetime | None  # local time it was met, if it was
    overdue: bool


@dataclass(frozen=True)
class CasePage:
    number: str
    status: str
    status_label: str
    final: bool
    urgent: bool
    urgency: str
    category: str
    needs_review: bool
    confidence: int  # percent
    category_words: list[str]
    urgency_reasons: list[str]
    district: str | None
    district_word: str | None
    department: str | None
    channel: str
    received: datetime
    name: str
    phone: str
    has_phone: bool
    # the person in need, the address, a second number (masked): what only some requests have
    details: list[tuple[str, str]]
    problem: str
    supplements: list[TimelineLine]
    result: str | None
    merged_into: str | None
    deadline: Deadline | None
    deadlines: list[DeadlineLine]
    timeline: list[TimelineLine]
    photos: list[AttachmentSummary]
    actions: list[str]  # the steps offered now, in the card's order, then the console's own
    suggested_departments: list[str]
    other_departments: list[str]
    categories: list[str]
    form_id: str  # fresh for each drawing of the page: a form sent twice is done once
    similar: GroupView | None = None  # its group of similar cases, when it has other open cases


def find_case_page(services: Services, account: ConsoleAccount, number: str) -> CasePage | None:
    """The page, or None — the same for a case that does not exist and one this account may not see."""
    with services.db.reading() as session:
        case = case_by_number(session, number[:32])
        if case is None or not sees_case(account, case.department):
            return None
        page = _page(services, account, case, summaries(session, case.id))
        group = group_view(session, services, case)
        if group is None:
            return page
        merging = [MERGE_SIMILAR] if StaffStep.MERGE in page.actions and may_take(account, MERGE_SIMILAR) else []
        return replace(page, similar=group, actions=[*page.actions, *merging])


def _page(services: Services, account: ConsoleAccount, case: Case, photos: list[AttachmentSummary]) -> CasePage:
    taxonomy = services.taxonomy
    cipher = services.cipher
    now = services.clock.now()
    evidence = case.evidence or {}
    matched = evidence.get("category", {}).get("matched", {}) or {}
    words = sorted(matched, key=lambda word: -float(matched[word]))[:EVIDENCE_WORDS]
    steps = [str(step) for step in allowed_actions(case) if may_take(account, step)]
    steps += [step for step in department_steps(case) if may_take(account, step)]
    if Status(case.status) not in FINAL and account.department is None:
        steps += [CATEGORY, URGENCY]
    phone = cipher.decrypt(case.phone_enc)
    if phone and may_take(account, PHONE):
        steps.append(PHONE)
    suggested = list(taxonomy.departments_for(case.category, case.district))
    return CasePage(
        number=case.number,
        status=case.status,
        status_label=status_label(taxonomy, case.status),
        final=Status(case.status) in FINAL,
        urgent=case.urgent,
        urgency=case.urgency,
        category=case.category,
        needs_review=case.needs_review,
        confidence=round(100 * (case.category_confidence or 0)),
        category_words=words,
        urgency_reasons=list(evidence.get("urgency", {}).get("reasons", []) or []),
        district=case.district,
        district_word=(evidence.get("district", {}) or {}).get("evidence"),
        department=case.department,
        channel=case.channel,
        received=services.local(case.created_at),
        name=mask_name(cipher.decrypt(case.name_enc)) or taxonomy.texts.masked_none,
        phone=mask_phone(phone) or taxonomy.texts.masked_none,
        has_phone=bool(phone),
        details=detail_pairs(taxonomy, staff_details(services, case)),
        problem=redact_identifiers(case.problem),
        supplements=[_line(services, event) for event in case.events if event.kind == "supplement"],
        result=case.result,
        merged_into=case.merged_into.number if case.merged_into is not None else None,
        deadline=next_deadline(services, case, now),
        deadlines=_deadlines(services, case, now),
        timeline=[_line(services, event) for event in case.events],
        photos=photos,
        actions=steps,
        suggested_departments=suggested,
        other_departments=[d.name for d in taxonomy.departments if d.name not in suggested],
        categories=list(taxonomy.category_names),
        form_id=secrets.token_urlsafe(12),
    )


def _line(services: Services, event: CaseEvent) -> TimelineLine:
    texts = services.taxonomy.texts
    actor = {CITIZEN: texts.staff_card_by_citizen, SYSTEM: texts.staff_card_by_system}.get(event.actor)
    if actor is None:
        actor = event.actor.split("/", 1)[1] if "/" in event.actor else event.actor
    return TimelineLine(services.local(event.at), redact_identifiers(event.text or event.kind), actor, not event.public)


def _deadlines(services: Services, case: Case, now: datetime) -> list[DeadlineLine]:
    feedback_met = case.closed_at or (case.resolved_at if case.revisit_answer else None)
    lines = []
    for kind, due, met in (("contact", case.contact_due, case.contacted_at),
                           ("resolve", case.resolve_due, case.resolved_at),
                           ("feedback", case.feedback_due, feedback_met)):
        final = Status(case.status) in FINAL
        lines.append(DeadlineLine(kind, services.local(due), services.local(met) if met else None,
                                  met is None and not final and due <= now))
    return lines
