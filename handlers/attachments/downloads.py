"""The fetch job's two ends, around the platform call bot/ makes between them.

`job` reads what to fetch; `keep` checks and cleans what came (content.py), seals it into the media store
and records it — the store is written before the transaction, so no transaction waits on a disk or a
bucket — and shows the case's photos to staff when they are all in; `refuse` and `give_up` record why a
file was not kept and tell the citizen so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from handlers.attachments import content, records
from handlers.attachments.records import AttachmentStatus
from handlers.services import Services
from storage.models import Attachment, Case

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    attachment_id: int
    media: str
    file_ref: str
    max_bytes: int


def job(services: Services, attachment_id: int) -> Job | None:
    """What to fetch; None when there is nothing to do (fetched already, erased, or the row is gone)."""
    with services.db.reading() as session:
        row = session.get(Attachment, attachment_id)
        if row is None or row.status != AttachmentStatus.PENDING:
            return None
        ref = records.file_ref(services, row)
        if not ref:
            return None
        return Job(row.id, row.media, ref, services.settings.media_max_bytes)


def keep(services: Services, attachment_id: int, data: bytes) -> str:
    """Check, clean, seal and record a fetched file; returns the attachment's status after."""
    try:
        cleaned = content.clean(data, max_bytes=services.settings.media_max_bytes)
    except content.Refused as refusal:
        return refuse(services, attachment_id, refusal.reason)
    blob = services.media.put(cleaned.data)
    thumb = services.media.put(cleaned.thumbnail) if cleaned.thumbnail is not None else None
    now = services.clock.now()
    with services.db.transaction() as session:
        row = _locked(session, attachment_id)
        if row is None or row.status != AttachmentStatus.PENDING:
            # Erased while it was being fetched: what was just written is deleted by the next purge.
            return row.status if row is not None else AttachmentStatus.ERASED
        row.status = AttachmentStatus.STORED
        row.blob_key, row.thumb_key = blob, thumb
        row.content_type, row.size = cleaned.content_type, len(cleaned.data)
        row.width, row.height = cleaned.width, cleaned.height
        row.stored_at = now
        row.file_ref_enc = None  # the platform's handle is no longer needed
        if row.case_id is not None:
            records.show_to_staff(session, services, row.case_id, now)
    return AttachmentStatus.STORED


def refuse(services: Services, attachment_id: int, reason: str) -> str:
    """Not kept (too large, not an image or PDF): recorded, and the citizen told why."""
    return _not_kept(services, attachment_id, AttachmentStatus.REFUSED, reason)


def give_up(services: Services, attachment_id: int, error: str) -> str:
    """The platform would not give the file (expired, gone, or failing for too long)."""
    log.warning("attachment %s could not be fetched: %s", attachment_id, error)
    return _not_kept(services, attachment_id, AttachmentStatus.FAILED, records.UNREACHABLE)


def _not_kept(services: Services, attachment_id: int, status: str, reason: str) -> str:
    now = services.clock.now()
    with services.db.transaction() as session:
        row = _locked(session, attachment_id)
        if row is None or row.status != AttachmentStatus.PENDING:
            return row.status if row is not None else AttachmentStatus.ERASED
        row.status, row.reason, row.file_ref_enc = status, reason, None
        records.tell_citizen(session, services, row, f"attachment_refused_{reason}", now)
        if row.case_id is not None:
            # one fewer to wait for: the case's others may go to staff now
            records.show_to_staff(session, services, row.case_id, now)
    return status


def _locked(session, attachment_id: int) -> Attachment | None:
    """The attachment row locked, its case's row locked first: the citizen's own transaction (adding the
    photo to the case) takes the case, then the attachment, and locks taken in one order cannot deadlock."""
    case_id = session.scalar(select(Attachment.case_id).where(Attachment.id == attachment_id))
    if case_id is not None:
        session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    return session.scalars(select(Attachment).where(Attachment.id == attachment_id).with_for_update()).one_or_none()
