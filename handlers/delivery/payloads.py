"""What an outbox row carries: its kind, and a constructor for each kind.

Every row names its kind, and each channel's sender draws the kinds it knows (a staff card as buttons on
Telegram and as markdown on WeCom, a citizen update as a private message or a customer-service message).
What is sent to a citizen later is sealed: its words may repeat the citizen's own name and phone (a summary
not yet delivered) or carry what staff wrote to them, and the outbox is a table like any other. Only the
dispatcher opens a sealed payload, just before sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from storage.encryption import FieldCipher

SEALED = "sealed"
# Set on an opened payload whose seal no configured key opens: it is a failure, never an empty message.
UNOPENED = "unopened"
# A late reply's message, kept until it has been handled (handlers/delivery/deferred.py).
KEPT = "kept"


class OutboxKind(StrEnum):
    # to staff
    CASE_CARD = "case_card"  # a new case's card, rendered from the case when it is sent
    CASE_CARD_UPDATE = "case_card_update"  # staff acted: the posted card is redrawn in place
    STAFF_TEXT = "staff_text"  # a notice: an alert, a supplement, an escalation
    STAFF_REPORT = "staff_report"  # the daily report: its text and its chart
    CASE_ATTACHMENTS = "case_attachments"  # a case's photos and files, once all are fetched
    # to a department
    DEPARTMENT_HANDOVER = "department_handover"  # a case handed over (交办) or chased (催办), rendered when sent
    # to a citizen
    CITIZEN_UPDATE = "citizen_update"  # news of their case, sealed
    LATE_REPLY = "late_reply"  # an answer that missed the platform's reply window, read from the inbox
    # from a citizen's platform
    MEDIA_DOWNLOAD = "media_download"  # fetch a photo or file the citizen sent (a `…-files` channel)


CARD_KINDS = frozenset({OutboxKind.CASE_CARD, OutboxKind.CASE_CARD_UPDATE})


def kind_of(payload: Mapping[str, Any]) -> OutboxKind | None:
    """The row's kind; None for a kind this version does not know (a row written by a newer one)."""
    try:
        return OutboxKind(payload.get("kind", ""))
    except ValueError:
        return None


def case_card(case_id: int) -> dict[str, Any]:
    return {"kind": OutboxKind.CASE_CARD.value, "case_id": case_id}


def case_card_update(case_id: int, actor: str) -> dict[str, Any]:
    return {"kind": OutboxKind.CASE_CARD_UPDATE.value, "case_id": case_id, "actor": actor}


def staff_text(text: str) -> dict[str, Any]:
    return {"kind": OutboxKind.STAFF_TEXT.value, "text": text}


def staff_report(text: str, image: str) -> dict[str, Any]:
    return {"kind": OutboxKind.STAFF_REPORT.value, "text": text, "image": image}


def department_handover(case_id: int, department: str, *, chase: bool = False) -> dict[str, Any]:
    return {"kind": OutboxKind.DEPARTMENT_HANDOVER.value, "case_id": case_id, "department": department,
            "chase": chase}


def case_attachments(attachment_ids: Iterable[int], caption: str) -> dict[str, Any]:
    return {"kind": OutboxKind.CASE_ATTACHMENTS.value, "attachments": list(attachment_ids), "text": caption}


def media_download(attachment_id: int) -> dict[str, Any]:
    return {"kind": OutboxKind.MEDIA_DOWNLOAD.value, "attachment_id": attachment_id}


def late_reply(message_id: str, cipher: FieldCipher | None = None, kept: Mapping[str, Any] | None = None
               ) -> dict[str, Any]:
    """`kept`: the message itself (handlers/delivery/deferred.py), sealed: it is what a citizen wrote."""
    payload: dict[str, Any] = {"kind": OutboxKind.LATE_REPLY.value, "message_id": message_id}
    if kept is not None and cipher is not None:
        payload[SEALED] = cipher.encrypt_json({KEPT: dict(kept)})
    return payload


def citizen_update(
    cipher: FieldCipher, text: str, choices: Iterable[str] = (), *, request_contact: bool = False
) -> dict[str, Any]:
    content = {"text": text, "choices": list(choices), "request_contact": request_contact}
    return {"kind": OutboxKind.CITIZEN_UPDATE.value, SEALED: cipher.encrypt_json(content)}


def opened(cipher: FieldCipher, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as senders read it (`text`, `choices`, …), sealed or not."""
    if SEALED not in payload:
        return dict(payload)
    content = cipher.decrypt_json(payload[SEALED])
    if not isinstance(content, dict):
        content = {UNOPENED: True}
    return {**{key: value for key, value in payload.items() if key != SEALED}, **content}


def unopened(payload: Mapping[str, Any]) -> bool:
    """Whether the payload was sealed with a key that is not configured (or was damaged)."""
    return bool(payload.get(UNOPENED))
