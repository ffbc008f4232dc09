"""Personal data over its lifetime: key rotation, retention (anonymising old closed cases), erasure on request.

What is personal here: the name and phone (encrypted), the platform ids of the citizen (user_key,
chat_key), the dialogue's slots and the replies kept for retries (encrypted), photos' file ids, and
phone numbers a citizen typed into free text. The figures (category, district, times, states) stay,
so the ledger and the statistics keep their meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from handlers.case_states import FINAL, OPEN, Status
from handlers.services import Services
from handlers.timeline import SYSTEM, add_event, change_status
from storage.cases import case_by_number
from storage.encryption import FieldCipher, redact_phones
from storage.models import Case, CaseFollower, Conversation, InboxMessage, OutboxMessage

ANONYMOUS = "anonymised"
BATCH = 500
# Replies are kept only to answer a platform's retry the same way; a day is far beyond any retry.
REPLIES_KEPT = timedelta(days=1)


@dataclass
class PrivacyReport:
    cases: int = 0
    conversations: int = 0
    inbox: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cases": self.cases, "conversations": self.conversations, "inbox": self.inbox}


def _batches(session: Session, statement) -> Iterable[list]:
    rows = list(session.scalars(statement))
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def rekey(services: Services) -> PrivacyReport:
    """Re-encrypt every stored field under the newest secret key (after adding a new YIBANG_SECRET_KEY
    and moving the old one to YIBANG_OLD_SECRET_KEYS), and recompute the phone lookup index."""
    cipher: FieldCipher = services.cipher
    report = PrivacyReport()
    with services.db.transaction() as session:
        for case in session.scalars(select(Case)):
            case.name_enc = cipher.rotate(case.name_enc)
            case.phone_enc = cipher.rotate(case.phone_enc)
            phone = cipher.decrypt(case.phone_enc)
            case.phone_index = cipher.index(phone) if phone else None
            report.cases += 1
        for conversation in session.scalars(select(Conversation)):
            conversation.slots_enc = cipher.rotate(conversation.slots_enc)
            conversation.contact_name_enc = cipher.rotate(conversation.contact_name_enc)
            conversation.contact_phone_enc = cipher.rotate(conversation.contact_phone_enc)
            report.conversations += 1
        for message in session.scalars(select(InboxMessage).where(InboxMessage.replies_enc.is_not(None))):
            message.replies_enc = cipher.rotate(message.replies_enc)
            report.inbox += 1
    return report


def _anonymise_case(session: Session, case: Case, now: datetime, *, reason: str, drop_problem: bool) -> None:
    case.name_enc = None
    case.phone_enc = None
    case.phone_index = None
    case.user_key = ANONYMOUS
    case.chat_key = ANONYMOUS
    case.attachments = []
    case.problem = "［应市民要求已删除］" if drop_problem else redact_phones(case.problem)
    for event in case.events:
        if event.kind == "supplement":
            event.text = None if drop_problem else redact_phones(event.text or "")
            event.data = {}
    session.execute(update(CaseFollower).where(CaseFollower.case_id == case.id)
                    .values(user_key=ANONYMOUS, chat_key=ANONYMOUS))
    add_event(session, case, kind="anonymised", actor=SYSTEM, at=now, text=reason)


def purge(services: Services, older_than: timedelta) -> PrivacyReport:
    """Retention: anonymise closed cases older than the period; forget idle conversations' contact and
    slots; drop the replies kept for retries once no retry can come."""
    now = services.clock.now()
    cutoff = now - older_than
    report = PrivacyReport()
    with services.db.transaction() as session:
        final = [status.value for status in FINAL]
        statement = select(Case).where(Case.status.in_(final), Case.closed_at < cutoff, Case.user_key != ANONYMOUS)
        for batch in _batches(session, statement):
            for case in batch:
                _anonymise_case(session, case, now, reason=f"保存期满（{older_than.days}天）匿名化",
                                drop_problem=False)
                report.cases += 1
        idle = session.execute(
            update(Conversation)
            .where(Conversation.updated_at < cutoff, Conversation.contact_phone_enc.is_not(None))
            .values(contact_name_enc=None, contact_phone_enc=None, slots_enc=None, step="idle", expires_at=None)
        )
        report.conversations = idle.rowcount or 0
        dropped = session.execute(
            update(InboxMessage)
            .where(InboxMessage.received_at < now - REPLIES_KEPT, InboxMessage.replies_enc.is_not(None))
            .values(replies_enc=None)
        )
        report.inbox = dropped.rowcount or 0
    return report


def erase_citizen(services: Services, *, case_number: str | None = None, phone: str | None = None) -> PrivacyReport:
    """Erasure on request: every case of the citizen (found by one of their case numbers or their phone)
    loses its personal data; open cases are withdrawn first, since nobody could contact them any more;
    messages still waiting to be sent to them are dropped."""
    now = services.clock.now()
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
                              public=False, text="市民要求删除个人信息，求助撤回")
            _anonymise_case(session, case, now, reason="应市民要求删除个人信息", drop_problem=True)
            report.cases += 1
        for channel, user_key in citizens:
            report.conversations += session.execute(
                delete(Conversation).where(Conversation.channel == channel, Conversation.user_key == user_key)
            ).rowcount or 0
            session.execute(
                update(CaseFollower)
                .where(CaseFollower.channel == channel, CaseFollower.user_key == user_key)
                .values(user_key=ANONYMOUS, chat_key=ANONYMOUS)
            )
    return report
