"""Retention: closed cases older than the period lose their personal data; idle conversations forget the
contact they offered for reuse; the replies kept for platform retries go once no retry can come."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.attachments.retention import UNFILED_KEPT, collect_garbage, delete_erased_files, erase_unfiled
from handlers.cases.states import FINAL
from handlers.privacy.anonymous import ANONYMOUS, PrivacyReport, anonymise_case
from handlers.services import Services
from storage.models import Case, Conversation, FaqUse, InboxMessage

BATCH = 500
# Replies are kept only to answer a platform's retry the same way; a day is far beyond any retry.
REPLIES_KEPT = timedelta(days=1)


def _batches(session: Session, statement) -> Iterable[list]:
    rows = list(session.scalars(statement))
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def purge(services: Services, older_than: timedelta) -> PrivacyReport:
    """Retention: anonymise closed cases older than the period; forget idle conversations' contact and
    slots; drop the replies kept for retries once no retry can come; delete the photos and files of
    the cases anonymised, of forms never filed, and any the store holds that nothing names."""
    now = services.clock.now()
    cutoff = now - older_than
    texts = services.taxonomy.texts
    report = PrivacyReport()
    with services.db.transaction() as session:
        final = [status.value for status in FINAL]
        statement = select(Case).where(Case.status.in_(final), Case.closed_at < cutoff, Case.user_key != ANONYMOUS)
        for batch in _batches(session, statement):
            for case in batch:
                anonymise_case(session, texts, case, now, drop_problem=False,
                               reason=texts.event_retention_anonymised.format(days=older_than.days))
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
        erase_unfiled(session, now - UNFILED_KEPT)
        # unmatched instant-answer questions: the counts stay, the words go
        session.execute(
            update(FaqUse).where(FaqUse.at < cutoff, FaqUse.question_enc.is_not(None)).values(question_enc=None)
        )
    report.files = delete_erased_files(services) + collect_garbage(services, now)
    return report


