"""The neutral message types every adapter speaks (after NoneBot2's one-event idea).

An adapter turns a Telegram update, a WeChat XML or a console line into an Incoming, and draws each
Reply its own way: Telegram as buttons, WeChat and the console as numbered choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class IncomingKind(StrEnum):
    """What a message is, whatever the platform; each kind says what its payload holds."""

    TEXT = "text"
    CONTACT = "contact"  # payload: phone, own ("1" when the contact is the sender's own)
    LOCATION = "location"  # payload: lat, lon, label (optional address text)
    MEDIA = "media"  # payload: media (photo|voice|sticker|video|document|…), file_id, recognition (voice text)
    EVENT = "event"  # payload: event (subscribe|unsubscribe|click), key


@dataclass(frozen=True)
class Incoming:
    channel: str  # "telegram" | "wechat" | "console"
    user_key: str  # stable id of the citizen on that channel
    chat_key: str  # where replies go
    message_id: str  # what dedupe keys on
    kind: IncomingKind
    at: datetime
    text: str = ""
    payload: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """An option the citizen may tap, type by its label, or answer with its number."""

    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    # Telegram offers its "share my phone number" button with this question.
    request_contact: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [c.label for c in self.choices],
            "request_contact": self.request_contact,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reply:
        return cls(
            text=str(data.get("text", "")),
            choices=tuple(Choice(str(label)) for label in data.get("choices", ())),
            request_contact=bool(data.get("request_contact", False)),
        )


@dataclass(frozen=True)
class Outcome:
    """What handling one message produced. A duplicate delivery carries the first answer's replies."""

    replies: list[Reply]
    duplicate: bool = False
    # the handlers' rate limit answered ("please wait"): a channel may drop repeats of it
    rate_limited: bool = False
