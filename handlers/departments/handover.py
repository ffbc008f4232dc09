"""交办 reaching the department: the case told at each of its contact points, through the outbox.

On 交办 (from the staff group, the console or `yibang case assign`) the department gets, at every contact
point it has, the number (紧急 first when urgent), category, district, the problem, the contact masked,
its deadlines, and how to accept: a link to the case in the console when YIBANG_PUBLIC_URL is set, a
button in a Telegram chat. The message is rendered when it is sent, from the case as it is then; a
handover the department no longer holds (handed back, or given to another meanwhile) is not sent at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.delivery import payloads
from handlers.delivery.outbox import queue_for_each
from handlers.departments.contacts import TELEGRAM, destinations
from handlers.services import Services
from handlers.wording import citizen_words, duration
from storage.encryption import mask_name, mask_phone
from storage.models import Case

# Alarms about a handover kept in `case.alerts` (handlers/timers/department_deadlines.py); a new 交办
# starts them afresh.
ALERT_PREFIXES = ("accept:", "dept-resolve:")
# Where the console shows a case (issue 15's web console under /staff/).
CONSOLE_CASE_PATH = "/staff/cases/{number}"


def hand_over(session: Session, services: Services, case: Case, now: datetime) -> int:
    """The case was just handed to `case.department`: its accept deadline starts now, and the department
    is told at each contact point. Returns how many messages were queued."""
    case.assigned_at = now
    case.accept_due = now + services.taxonomy.accept_within(case.urgency, case.urgent)
    case.accepted_at = None
    case.alerts = [key for key in case.alerts or [] if not key.startswith(ALERT_PREFIXES)]
    return tell_department(session, case, payloads.department_handover(case.id, case.department or ""),
                           dedupe_key=f"handover:{case.id}:{now.isoformat()}", now=now)


def tell_department(session: Session, case: Case, payload: dict, *, dedupe_key: str, now: datetime) -> int:
    """One row per contact point of the case's department; none when it has none (staff see the case as
    assigned on their card, and the accept deadline still chases)."""
    if not case.department:
        return 0
    return queue_for_each(session, destinations(session, case.department), payload, dedupe_key=dedupe_key,
                          now=now, case_id=case.id, urgent=case.urgent)


@dataclass(frozen=True)
class Handover:
    """A handover as a sender draws it."""

    number: str
    urgent: bool
    subject: str  # an e-mail's subject
    text: str


def handover_message(services: Services, payload: dict, case_id: int | None, contact_channel: str) -> Handover | None:
    """The handover of the case as it is now; None when the department no longer holds it unaccepted."""
    if case_id is None:
        return None
    with services.db.reading() as session:
        case = session.get(Case, case_id)
        if case is None or case.department != payload.get("department") or case.accepted_at is not None:
            return None
        return _render(services, case, contact_channel, chase=bool(payload.get("chase")))


def console_case_url(services: Services, number: str) -> str | None:
    public = services.settings.public_url
    return None if not public else public.rstrip("/") + CONSOLE_CASE_PATH.format(number=number)


def _render(services: Services, case: Case, contact_channel: str, *, chase: bool) -> Handover:
    taxonomy = services.taxonomy
    texts = taxonomy.texts
    words = texts.departments
    cipher = services.cipher

    def when(moment: datetime | None) -> str:
        return f"{services.local(moment):%m-%d %H:%M}" if moment else texts.masked_none

    url = console_case_url(services, case.number)
    if contact_channel == TELEGRAM:
        how = words.how_telegram
    elif url:
        how = words.how_console.format(url=url)
    else:
        how = words.how_elsewhere
    district = case.district or texts.masked_none
    text = words.handover.format(
        urgent_line=words.handover_urgent_line if case.urgent else "",
        number=case.number,
        department=case.department,
        category=case.category,
        urgency=case.urgency,
        district=district,
        name=mask_name(cipher.decrypt(case.name_enc)) or texts.masked_none,
        phone=mask_phone(cipher.decrypt(case.phone_enc)) or texts.masked_none,
        problem=citizen_words(case.problem),
        accept_due=when(case.accept_due),
        resolve_due=when(case.resolve_due),
        how=how,
    )
    if chase and case.assigned_at is not None:
        text = words.chase_line.format(elapsed=duration(taxonomy, services.clock.now() - case.assigned_at)) + text
    subject = (words.email_subject_urgent if case.urgent else words.email_subject).format(
        number=case.number, category=case.category, district=district)
    return Handover(case.number, case.urgent, subject, text)
