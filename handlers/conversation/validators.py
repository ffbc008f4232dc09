"""Slot validators: pure functions from what the citizen typed to a clean value or a reason to ask again.

Each returns Value or Reject; a Reject names the text to say (a key of the taxonomy's texts) and its
placeholders, so the reason is specific ("you typed 10 digits") and its wording is configuration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Value:
    value: str


@dataclass(frozen=True)
class Reject:
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


Parsed = Value | Reject

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[\s\-()（）.·]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def clean_text(text: str) -> str:
    """NFC-normalised, without control and direction-override characters, trimmed.

    Direction overrides can make a stored text read differently from what it is; control characters
    break terminals and group chats.
    """
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return text.strip()


def one_line(text: str) -> str:
    return _SPACES.sub(" ", clean_text(text))


def meaningful_length(text: str) -> int:
    """Characters that carry meaning: letters (Chinese included) and digits; not spaces, punctuation, emoji."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in ("L", "N"))


def parse_name(text: str, max_length: int) -> Parsed:
    name = one_line(text)
    if not name:
        return Reject("bad_name_empty")
    if len(name) > max_length:
        return Reject("bad_name_long", {"max": max_length})
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        return Reject("bad_name_digits")
    return Value(name)


def ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII digit: a number typed in Arabic-Indic (٣) or another script's digits
    is the same number, and stored, masked, searched and dialled as 0-9. (Full-width digits are NFKC's.)
    Digit-like characters that are not decimal digits (², ①) stay, and are refused as not a number."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def parse_phone(text: str) -> Parsed:
    """A Chinese mobile number: 11 digits starting with 1 (second digit 3–9), +86 and separators allowed."""
    raw = ascii_digits(unicodedata.normalize("NFKC", clean_text(text)))
    digits_only = _PHONE_NOISE.sub("", raw)
    if digits_only.startswith("+86"):
        digits_only = digits_only[3:]
    elif digits_only.startswith("0086"):
        digits_only = digits_only[4:]
    elif digits_only.startswith("86") and len(digits_only) == 13:
        digits_only = digits_only[2:]
    if not (digits_only.isascii() and digits_only.isdigit()):
        return Reject("bad_phone_format")
    if len(digits_only) != 11:
        return Reject("bad_phone_length", {"count": len(digits_only)})
    if not _MOBILE.match(digits_only):
        return Reject("bad_phone_format")
    return Value(digits_only)


def parse_problem(text: str, min_length: int, max_length: int) -> Parsed:
    """Long text is refused with its length, never cut: a cut message may lose the one line that matters."""
    problem = clean_text(text)
    if len(problem) > max_length:
        return Reject("bad_problem_long", {"length": len(problem), "max": max_length})
    letters = sum(1 for ch in problem if unicodedata.category(ch)[0] == "L")
    # Digits alone (a phone number sent at the wrong moment) describe nothing.
    if meaningful_length(problem) < min_length or letters < 2:
        return Reject("bad_problem_short", {"min": min_length})
    return Value(problem)
