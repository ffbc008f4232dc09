"""The attachment rows and the outbox rows that move them, written in the caller's transaction.

A photo is recorded with the message that brought it, together with its fetch job (an outbox row on the
platform's `…-files` channel, delivered by bot/ like any other row, with its retries and backoff; the
fetch itself happens there, never inside a message's transaction). A case's photos go to staff once
none of them is still being fetched: an album rather than a trickle, after the case card.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from handlers.delivery import payloads
from handlers.services import Services
from storage import outbox
from storage.models import Attachment, Case


class AttachmentStatus(StrEnum):
    PENDING = "pending"  # waiting to be fetched
    STORED = "stored"  # checked, cleaned and kept in the media store
    REFUSED = "refused"  # too large, or neither a photo nor a PDF
    FAILED = "failed"  # the platform would not give it
    ERASED = "erased"  # purge, erasure, or the citizen did not want it


# The attachment will reach staff, or already has.
KEPT = (AttachmentStatus.PENDING, AttachmentStatus.STORED)

# The outbox channel that fetches each platform's files (rows of kind media_download).
FETCHERS = {"telegram": "telegram-files", "wechat": "wechat-files"}
# Why the citizen's file was not kept: too_large, not_accepted (content.py), or the platform would not
# give it (unreachable) — each a text `attachment_refused_<reason>`.
UNREACHABLE = "unreachable"
DISCARDED = "discarded"
# A file id written by the migration from the old JSON column, before any key could seal it.
UNSEALED = "unsealed:"


def fetcher_of(channel: str) -> str | None:
    """The outbox channel that fetches this platform's files; None where files cannot be fetched."""
    return FETCHERS.get(channel)


def record(session: Session, services: Services, *, channel: str, user_key: str, chat_key: str, message_id: str,
           media: str, file_ref: str, now: datetime, case_id: int | None = None) -> int:
    """A new attachment waiting to be fetched, and the job that fetches it; returns its id."""
    fetcher = fetcher_of(channel)
    if fetcher is None:
        raise ValueError(f"files cannot be fetched from {channel}")
    attachment = Attachment(
        public_id=secrets.token_urlsafe(16), case_id=case_id, channel=channel, user_key=user_key,
        chat_key=chat_key, message_id=message_id, media=media, file_ref_enc=services.cipher.encrypt(file_ref),
        status=AttachmentStatus.PENDING, received_at=now,
    )
    session.add(attachment)
    session.flush()
    outbox.enqueue(session, channel=fetcher, target=chat_key,
                   payload=payloads.media_download(attachment.id),
                   dedupe_key=f"download:{attachment.id}", now=now, case_id=case_id)
    return attachment.id


def file_ref(services: Services, row: Attachment) -> str | None:
    token = row.file_ref_enc
    if token is None:
        return None
    if token.startswith(UNSEALED):
        return token[len(UNSEALED):]
    return services.cipher.decrypt(token)


def kept_count(session: Session, case_id: int) -> int:
    """The photos and files a case carries (or will, once fetched)."""
    return session.scalar(select(func.count(Attachment.id))
                          .where(Attachment.case_id == case_id, Attachment.status.in_(KEPT))) or 0


def attach(session: Session, services: Services, ids: Sequence[int], *, case_id: int, channel: str, user_key: str,
           now: datetime) -> int:
    """The citizen's attachments received before the case existed (or before they chose to add them)
    now belong to it; those already fetched go to staff. Returns how many were attached."""
    if not ids:
        return 0
    # Rows first, then statuses read: a fetch committing meanwhile either sees the case on its row (it
    # waits for this update's lock) or is seen here as stored.
    attached = session.execute(
        update(Attachment)
        .where(Attachment.id.in_(list(ids)), Attachment.channel == channel, Attachment.user_key == user_key,
               Attachment.case_id.is_(None))
        .values(case_id=case_id)
    ).rowcount or 0
    show_to_staff(session, services, case_id, now)
    return attached


def discard(session: Session, ids: Sequence[int], channel: str, user_key: str) -> None:
    """The citizen did not want them on any case: erased like anything else they asked us to forget."""
    if ids:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(list(ids)), Attachment.channel == channel, Attachment.user_key == user_key,
                   Attachment.case_id.is_(None))
            .values(status=AttachmentStatus.ERASED, reason=DISCARDED, file_ref_enc=None)
        )


def show_to_staff(session: Session, services: Services, case_id: int, now: datetime) -> int:
    """Queue the case's fetched attachments not yet shown, once none is still being fetched; returns how
    many. The case row is locked first, so two fetches ending together cannot both miss the moment."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None:
        return 0
    still_fetching = session.scalar(
        select(exists().where(Attachment.case_id == case_id,
                              Attachment.status == AttachmentStatus.PENDING)))
    if still_fetching:
        return 0
    rows = session.scalars(
        select(Attachment)
        .where(Attachment.case_id == case_id, Attachment.status == AttachmentStatus.STORED,
               Attachment.shown_at.is_(None))
        .order_by(Attachment.id)
    ).all()
    if not rows:
        return 0
    for row in rows:
        row.shown_at = now
    ids = [row.id for row in rows]
    caption = services.taxonomy.texts.staff_attachments.format(number=case.number, count=len(rows))
    payload = payloads.case_attachments(ids, caption)
    for destination in services.staff_destinations:
        outbox.enqueue(session, channel=destination.channel, target=destination.target, payload=payload,
                       dedupe_key=f"attachments:{ids[0]}:{destination.channel}:{destination.target}", now=now,
                       case_id=case_id, urgent=case.urgent)
    return len(rows)


def tell_citizen(session: Session, services: Services, row: Attachment, key: str, now: datetime) -> None:
    """The truth about one file, pushed to the citizen who sent it (it was refused, or could not be had)."""
    texts = services.taxonomy.texts
    text = getattr(texts, key).format(platform=services.taxonomy.platform,
                                      time=f"{services.local(row.received_at):%H:%M}",
                                      limit=megabytes(services.settings.media_max_bytes))
    outbox.enqueue(session, channel=row.channel, target=row.chat_key,
                   payload=payloads.citizen_update(services.cipher, text), dedupe_key=f"attachment-told:{row.id}",
                   now=now, case_id=row.case_id)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
