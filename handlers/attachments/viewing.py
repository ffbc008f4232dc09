"""Attachments as staff see them: the files of a staff row for the channel that sends them, and one file
for the staff console, to a staff member allowed to see the case — the same question the case view asks.

Files are read from the media store outside any transaction (it may be a bucket across the network).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.attachments.content import PDF
from handlers.attachments.records import AttachmentStatus
from handlers.cases.actions import Actor
from handlers.cases.timeline import add_event
from handlers.console.scope import sees_case
from handlers.services import Services
from storage.cases import case_by_number
from storage.models import Attachment, Case

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", PDF: "pdf"}


@dataclass(frozen=True)
class StaffFile:
    """One file as it is shown: its bytes (cleaned, opened), what it is, and a name made from the case."""

    public_id: str
    content_type: str
    data: bytes
    filename: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class StaffAttachments:
    """A staff row's files, with the case's number and where its card was posted (to reply to it)."""

    case_number: str
    caption: str
    files: list[StaffFile]
    posted: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AttachmentSummary:
    """A line of a case page's photo section: enough to draw a thumbnail and link the full file."""

    public_id: str
    content_type: str
    width: int | None
    height: int | None
    size: int
    received_at: datetime
    has_thumbnail: bool


def for_staff_row(services: Services, payload: Mapping[str, Any], case_id: int | None) -> StaffAttachments | None:
    """The files of a `case_attachments` outbox row; None when the case is gone. Files erased since the
    row was queued are left out."""
    ids = [int(value) for value in payload.get("attachments", [])]
    with services.db.reading() as session:
        case = session.get(Case, case_id) if case_id is not None else None
        if case is None:
            return None
        rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids), Attachment.case_id == case.id,
                                                        Attachment.status == AttachmentStatus.STORED)
                               .order_by(Attachment.id)).all()
        wanted = [(row.public_id, row.content_type or "", row.blob_key or "") for row in rows]
        number, posted = case.number, dict(case.staff_messages or {})
    files = _read(services, number, wanted)
    return StaffAttachments(number, str(payload.get("text", "")), files, posted)


def _read(services: Services, number: str, wanted: Sequence[tuple[str, str, str]]) -> list[StaffFile]:
    files = []
    for index, (public_id, content_type, key) in enumerate(wanted, start=1):
        data = services.media.get(key) if key else None
        if data is not None:
            extension = EXTENSIONS.get(content_type, "bin")
            files.append(StaffFile(public_id, content_type, data, f"{number}-{index}.{extension}"))
    return files


def summaries(session: Session, case_id: int) -> list[AttachmentSummary]:
    """The case's stored attachments, oldest first: for its page in the staff console."""
    rows = session.scalars(select(Attachment).where(Attachment.case_id == case_id,
                                                    Attachment.status == AttachmentStatus.STORED)
                           .order_by(Attachment.id)).all()
    return [AttachmentSummary(row.public_id, row.content_type or "", row.width, row.height, row.size or 0,
                              row.received_at, row.thumb_key is not None) for row in rows]


def staff_file(services: Services, actor: Actor | None, number: str, public_id: str, *,
               thumbnail: bool = False) -> StaffFile | None:
    """One attachment of case `number`, for the staff console: None — the same answer whatever the
    reason, so nothing is learnt by asking — unless `actor` is a staff member allowed to see the case
    and the attachment belongs to it."""
    if actor is None or not public_id or len(public_id) > 32:
        return None
    with services.db.reading() as session:
        case = case_by_number(session, number)
        if case is None or not may_see(actor, case):
            return None
        row = session.scalars(select(Attachment).where(Attachment.public_id == public_id,
                                                       Attachment.case_id == case.id,
                                                       Attachment.status == AttachmentStatus.STORED)).one_or_none()
        if row is None:
            return None
        key = row.thumb_key if thumbnail else row.blob_key
        content_type = "image/jpeg" if thumbnail else (row.content_type or "")
        position = [summary.public_id for summary in summaries(session, case.id)].index(row.public_id) + 1
    if not key:
        return None
    data = services.media.get(key)
    if data is None:
        return None
    extension = EXTENSIONS.get(content_type, "bin")
    suffix = "-thumb" if thumbnail else ""
    return StaffFile(public_id, content_type, data, f"{case.number}-{position}{suffix}.{extension}")


def case_files(services: Services, actor: Actor, number: str) -> list[StaffFile] | None:
    """Every kept file of a case (`yibang case files`), taken out of the system: the timeline says who took
    how many, as it says who looked up a phone. None when there is no such case for this person."""
    with services.db.transaction() as session:
        case = case_by_number(session, number)
        if case is None or not may_see(actor, case):
            return None
        rows = session.scalars(select(Attachment).where(Attachment.case_id == case.id,
                                                        Attachment.status == AttachmentStatus.STORED)
                               .order_by(Attachment.id)).all()
        wanted = [(row.public_id, row.content_type or "", row.blob_key or "") for row in rows]
        if rows:
            add_event(session, case, kind="attachments_exported", actor=str(actor), at=services.clock.now(),
                      text=services.taxonomy.texts.event_attachments_exported.format(count=len(rows)))
        number = case.number
    return _read(services, number, wanted)


def may_see(actor: Actor, case: Case) -> bool:
    """Whoever may read the case may see its photos: staff see every case, a department's people the
    cases handed to it (handlers/console/scope.py)."""
    return sees_case(actor, case.department)
