"""What is sent to a citizen later is sealed in the outbox: its words may repeat the citizen's own name
and phone (a summary not yet delivered) or carry what staff wrote to them, and the outbox is a table like
any other. Only the dispatcher opens a sealed payload, just before sending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from storage.encryption import FieldCipher

CITIZEN_UPDATE = "citizen_update"
SEALED = "sealed"


def citizen_payload(
    cipher: FieldCipher, text: str, choices: Iterable[str] = (), *, request_contact: bool = False
) -> dict[str, Any]:
    content = {"text": text, "choices": list(choices), "request_contact": request_contact}
    return {"kind": CITIZEN_UPDATE, SEALED: cipher.encrypt_json(content)}


def opened(cipher: FieldCipher, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as senders read it (`text`, `choices`, …), sealed or not."""
    if SEALED not in payload:
        return dict(payload)
    content = cipher.decrypt_json(payload[SEALED]) or {}
    return {**{key: value for key, value in payload.items() if key != SEALED}, **content}
