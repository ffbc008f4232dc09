"""Attachments over their lifetime: erased with the citizen's other data, their files deleted, resealed
after a key rotation.

Rows are marked erased inside the caller's transaction; the files go after it commits
(`delete_erased_files`), since deleting from a bucket is a network call and no transaction waits on one.
A crash in between leaves rows marked erased with their names, and the next purge deletes them. Files
that no row names (written by a fetch whose transaction then failed) are collected by `collect_garbage`
once they are an hour old, so a fetch in flight is never robbed of its file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from handlers.attachments import records
from handlers.attachments.records import AttachmentStatus
from handlers.services import Services
from storage.models import Attachment

# A file no row names is left this long before it is taken for garbage: a fetch writes its file first
# and records it a moment later.
GARBAGE_AFTER = timedelta(hours=1)
# Photos sent during a form that was never filed (cancelled, or left to expire) are kept this long.
UNFILED_KEPT = timedelta(days=1)


def erase_for_case(session: Session, case_id: int) -> None:
    _erase(session, Attachment.case_id == case_id)


def erase_for_citizen(session: Session, channel: str, user_key: str) -> None:
    """Everything the citizen sent on this channel, on a case or not."""
    _erase(session, Attachment.channel == channel, Attachment.user_key == user_key)


def erase_unfiled(session: Session, before: datetime) -> int:
    """Photos of forms never filed, received before `before`."""
    return _erase(session, Attachment.case_id.is_(None), Attachment.received_at < before)


def _erase(session: Session, *where) -> int:
    result = session.execute(
        update(Attachment).where(*where, Attachment.status != AttachmentStatus.ERASED)
        .values(status=AttachmentStatus.ERASED, file_ref_enc=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def delete_erased_files(services: Services) -> int:
    """Delete the files of erased attachments that no kept attachment shares; returns how many."""
    with services.db.reading() as session:
        erased = session.execute(
            select(Attachment.id, Attachment.blob_key, Attachment.thumb_key)
            .where(Attachment.status == AttachmentStatus.ERASED,
                   or_(Attachment.blob_key.is_not(None), Attachment.thumb_key.is_not(None)))
        ).all()
        names = {name for _, blob, thumb in erased for name in (blob, thumb) if name}
        shared = _still_named(session, names)
    deleted = 0
    for name in sorted(names - shared):
        services.media.delete(name)
        deleted += 1
    with services.db.transaction() as session:
        ids = [row_id for row_id, _, _ in erased]
        for start in range(0, len(ids), 500):
            session.execute(update(Attachment).where(Attachment.id.in_(ids[start:start + 500]))
                            .values(blob_key=None, thumb_key=None))
    return deleted


def _still_named(session: Session, names: Iterable[str]) -> set[str]:
    """Which of `names` an attachment that is not erased still uses (the same photo sent twice)."""
    wanted = list(names)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        for column in (Attachment.blob_key, Attachment.thumb_key):
            found.update(session.scalars(select(column).where(column.in_(part),
                                                              Attachment.status != AttachmentStatus.ERASED)))
    return found


def collect_garbage(services: Services, now: datetime) -> int:
    """Delete stored files that no attachment names, once they are old enough to be nobody's in flight."""
    with services.db.reading() as session:
        named = set(session.scalars(select(Attachment.blob_key).where(Attachment.blob_key.is_not(None))))
        named.update(session.scalars(select(Attachment.thumb_key).where(Attachment.thumb_key.is_not(None))))
    deleted = 0
    for name, written in list(services.media.names()):
        if name not in named and written < now - GARBAGE_AFTER:
            services.media.delete(name)
            deleted += 1
    return deleted


def reseal_files(services: Services) -> int:
    """After a key rotation: every kept file sealed with the newest key, under the newest key's name;
    returns how many files moved. Safe to run again: files already resealed are left as they are."""
    with services.db.reading() as session:
        names = {name for pair in session.execute(
            select(Attachment.blob_key, Attachment.thumb_key).where(Attachment.status == AttachmentStatus.STORED))
            for name in pair if name}
    moved = 0
    for name in sorted(names):
        new = services.media.reseal(name)
        if new is None or new == name:
            continue
        with services.db.transaction() as session:
            session.execute(update(Attachment).where(Attachment.blob_key == name).values(blob_key=new))
            session.execute(update(Attachment).where(Attachment.thumb_key == name).values(thumb_key=new))
        services.media.delete(name)
        moved += 1
    return moved


def reseal_file_refs(session: Session, services: Services) -> None:
    """Platform file ids still waiting to be fetched, sealed with the newest key (and those the upgrade
    left unsealed, sealed at last)."""
    rows = session.scalars(select(Attachment).where(Attachment.file_ref_enc.is_not(None)))
    for row in rows:
        ref = records.file_ref(services, row)
        row.file_ref_enc = services.cipher.encrypt(ref) if ref else row.file_ref_enc
