"""Slot validators: pure functions from what the citizen typed to a clean value or a reason to ask again.

Each returns Value or Reject; a Reject names the text to say (a key of the taxonomy's texts) and its
placeholders, so the reason is specific ("you typed 10 digits") and its wording is configuration.
`find_phones` finds contact numbers anywhere in a message, so any answer can carry a phone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
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


# Names do not hold clause punctuation: "小区封控，家里没菜了" is a sentence.
_CLAUSE = re.compile(r"[，,。！!？?；;：:]")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def parse_name(text: str, max_length: int, sentence_words: Iterable[str] = (), leads: Iterable[str] = ()) -> Parsed:
    """A name or form of address (张女士, 老王, Li). Refuses what is plainly a sentence: clause punctuation
    inside, or a word names do not hold (了, 吗, 封控 … `sentence_words`), so a problem written at the name
    question is not kept as a name. What follows a lead ("我叫张三", `leads`) is the name."""
    name = one_line(text)
    lead = _alternation(leads)
    if lead:
        name = re.sub(rf"^(?:{lead})[:：\s]*", "", name)
    name = name.rstrip("。.!！~～ ")
    if not name:
        return Reject("bad_name_empty")
    if _CLAUSE.search(name) or any(word in name for word in sentence_words):
        return Reject("bad_name_sentence")
    if len(name) > max_length:
        return Reject("bad_name_long", {"max": max_length})
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        return Reject("bad_name_digits")
    return Value(name)


def find_name(text: str, titles: Iterable[str], leads: Iterable[str] = (), phone_words: Iterable[str] = ()) -> str | None:
    """A form of address the writer gives for themselves inside a longer message: "张女士，139…" at the
    start, "我是李先生" after a lead anywhere, or signed before the number ("……，王先生 139…"). Only with a
    title (女士, 先生 … `titles`): a bare "我是…" is too often something else (我是金水区的)."""
    title = _alternation(titles)
    if not title:
        return None
    name = rf"([\u4e00-\u9fff]{{1,2}}(?:{title}))"
    lead = _alternation(leads)
    start = rf"(?:^|{lead})" if lead else "^"
    text = one_line(text)
    match = re.search(rf"{start}\s*{name}(?=$|[\s，,。.！!；;：:、\d])", text)
    said = _alternation(phone_words)
    before_number = rf"(?:{said})?[:：]?\s*(?:\+?86)?[01]\d" if said else r"(?:\+?86)?[01]\d"
    match = match or re.search(rf"[\s，,。；;]{name}[\s，,:：]*(?={before_number})", text)
    return match.group(1) if match else None


# A mobile number anywhere in a text: 13912345678, 139 1234 5678, 139-1234-5678, +86 139…
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9+])(?:(?:\+|00)?86[\s-]?)?(1[3-9][0-9](?:[\s-]?[0-9]){8})(?![0-9])")
# A landline with its area code: 0371-63812345, (0371)63812345, 010 12345678, 037163812345. Area codes
# are 0 plus 2 or 3 digits; local numbers 7 or 8 digits (GB/T 13498; 010 and 02x take 8).
_LANDLINE_IN_TEXT = re.compile(
    r"(?<![0-9])[(（]?(0(?:10|2[0-9]|[3-9][0-9]{2}))[)）]?[\s-]?([2-9][0-9]{2,3})[\s-]?([0-9]{4})(?![0-9])"
)


def ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII digit: a number typed in Arabic-Indic (٣) or another script's digits
    is the same number, and stored, masked, searched and dialled as 0-9. (Full-width digits are NFKC's.)
    Digit-like characters that are not decimal digits (², ①) stay, and are refused as not a number."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def find_phones(text: str) -> list[str]:
    """Every contact number in a text, in the order written, each once: mobiles as 11 digits, landlines
    as 区号-号码 (0371-63812345); digits of any script read as ASCII."""
    raw = ascii_digits(unicodedata.normalize("NFKC", clean_text(text)))
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for match in _MOBILE_IN_TEXT.finditer(raw):
        found.append((match.start(), re.sub(r"\D", "", match.group(1))))
        taken.append(match.span())
    for match in _LANDLINE_IN_TEXT.finditer(raw):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        area, local = match.group(1), match.group(2) + match.group(3)
        if len(area) == 3 and len(local) != 8:
            continue
        found.append((match.start(), f"{area}-{local}"))
    return list(dict.fromkeys(number for _, number in sorted(found)))


def without_phones(text: str) -> str:
    """The text without the contact numbers in it (what is left of "张女士 13912345678" is the name)."""
    raw = ascii_digits(unicodedata.normalize("NFKC", clean_text(text)))
    return _LANDLINE_IN_TEXT.sub(" ", _MOBILE_IN_TEXT.sub(" ", raw)).strip()


def parse_phone(text: str) -> Parsed:
    """A contact number: a mobile (11 digits starting with 1, second digit 3–9; +86 and separators allowed)
    or a landline with its area code (0371-63812345), alone or inside a longer answer ("电话是 …")."""
    found = find_phones(text)
    if found:
        return Value(found[0])
    raw = ascii_digits(unicodedata.normalize("NFKC", clean_text(text)))
    digits_only = _PHONE_NOISE.sub("", raw)
    if digits_only.startswith("+86"):
        digits_only = digits_only[3:]
    elif digits_only.startswith("0086"):
        digits_only = digits_only[4:]
    elif digits_only.startswith("86") and len(digits_only) == 13:
        digits_only = digits_only[2:]
    if digits_only.isascii() and digits_only.isdigit() and digits_only.startswith("1") and len(digits_only) != 11:
        return Reject("bad_phone_length", {"count": len(digits_only)})
    return Reject("bad_phone_format")


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
