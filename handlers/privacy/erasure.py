"""Erasure on request: a citizen's personal data removed from all their cases and their conversation."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from handlers.attachments.retention import delete_erased_files, erase_for_citizen
from handlers.cases.states import OPEN, Status
from handlers.cases.timeline import SYSTEM, change_status
from handlers.privacy.anonymous import ANONYMOUS, PrivacyReport, anonymise_case
from handlers.services import Services
from storage.cases import case_by_number
from storage.models import Case, CaseFollower, Conversation, DangerAlert, OutboxMessage


def erase_citizen(services: Services, *, case_number: str | None = None, phone: str | None = None) -> PrivacyReport:
    """Erasure on request: every case of the citizen (found by one of their case numbers or their phone)
    loses its personal data; open cases are withdrawn first, since nobody could contact them any more;
    messages still waiting to be sent to them are dropped; their photos and files are deleted."""
    now = services.clock.now()
    texts = services.taxonomy.texts
    report = PrivacyReport()
    with services.db.transaction() as session:
        found: list[Case] = []
        if case_number:
            case = case_by_number(session, case_number)
            if case is not None:
                found.append(case)
        if phone:
            found.extend(session.scalars(select(Case).where(Case.phone_index == services.cipher.index(phone))))
        citizens = {(case.channel, case.user_key) for case in found if case.user_key != ANONYMOUS}
        cases = {case.id: case for case in found if case.user_key != ANONYMOUS}
        for channel, user_key in citizens:
            for case in session.scalars(select(Case).where(Case.channel == channel, Case.user_key == user_key)):
                cases[case.id] = case
        for case in cases.values():
            session.execute(
                delete(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.channel == case.channel,
                                            OutboxMessage.target == case.chat_key)
            )
            if Status(case.status) in OPEN:
                change_status(session, case, Status.WITHDRAWN, kind="withdrawn", actor=SYSTEM, at=now,
                              public=False, text=texts.event_erased_withdrawn)
            anonymise_case(session, texts, case, now, reason=texts.event_erased, drop_problem=True)
            report.cases += 1
        for channel, user_key in citizens:
            erase_for_citizen(session, channel, user_key)
            report.conversations += session.execute(
                delete(Conversation).where(Conversation.channel == channel, Conversation.user_key == user_key)
            ).rowcount or 0
            session.execute(
                update(CaseFollower)
                .where(CaseFollower.channel == channel, CaseFollower.user_key == user_key)
                .values(user_key=ANONYMOUS, chat_key=ANONYMOUS)
            )
            session.execute(delete(DangerAlert).where(DangerAlert.channel == channel, DangerAlert.user_key == user_key))
    report.files = delete_erased_files(services)
    return report
