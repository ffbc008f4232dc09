"""Identifiers a citizen types into free text: found, checked, masked, or taken out for encryption.

Citizens write their ID number, a bank card or a phone number into the problem itself ("我身份证号
41010519800101123X，电话 139 1234 5678"), in every form: full-width digits (１３９…), +86 or 86 before a
mobile, spaces, dots, commas or dashes between digits, an area code in brackets. What counts:

- an 18-digit resident ID whose last character is its ISO 7064 MOD 11-2 check digit (GB 11643), so an order
  number of 18 digits is not taken for one;
- a bank card of 16 to 19 digits that passes the Luhn check, in one run or in groups;
- a mobile number: 11 digits from 13x to 19x, after an optional +86 / 0086 / 86, with at most one separator
  between two digits;
- a landline with its area code: 0 + two or three digits, then seven or eight digits (0371-6512 3456,
  (0371)65123456).

The mask keeps what lets staff tell two apart and no more (139****5678, 410***********123X, ****1234,
0371-****3456); the original text goes into an encrypted field (storage/encryption.py: redact_identifiers).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# between two digits of one number: a space, a dot, a comma, a dash or a slash (half or full width)
_SEP = r"[ \u3000.,，。\-－_/·]"
_ID_CARD = re.compile(rf"(?<![0-9])\d{{6}}{_SEP}?\d{{8}}{_SEP}?\d{{3}}[0-9Xx](?![0-9A-Za-z])")
_BANK_CARD = re.compile(rf"(?<![0-9])\d{{4}}(?:{_SEP}?\d{{4}}){{3}}(?:{_SEP}?\d{{1,3}})?(?![0-9])")
_MOBILE = re.compile(rf"(?<![0-9+])(?:(?:\+|00)?86{_SEP}?)?1[3-9](?:{_SEP}?\d){{9}}(?![0-9])")
_LANDLINE = re.compile(rf"(?<![0-9])(?:[(（]0\d{{2,3}}[)）]|0\d{{2,3}}){_SEP}?\d{{3,4}}{_SEP}?\d{{4}}(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Identifier:
    kind: str  # id_card | bank_card | mobile | landline
    start: int
    end: int
    # the number itself: ASCII digits only (X for an ID's check digit), no prefix or separators
    value: str
    masked: str


def fold_digits(text: str) -> str:
    """Full-width digits and signs as ASCII, one character for one (positions stay the same)."""
    return "".join(unicodedata.normalize("NFKC", ch) if ch.isdigit() or ch in "＋－（）" else ch for ch in text)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx").upper()


def valid_id_card(number: str) -> bool:
    """The 18th character is the check digit of the first 17 (GB 11643-1999)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _masked(kind: str, value: str) -> str:
    if kind == "id_card":
        return f"{value[:3]}{'*' * 11}{value[-4:]}"
    if kind == "bank_card":
        return f"****{value[-4:]}"
    if kind == "mobile":
        return f"{value[:3]}****{value[-4:]}"
    area = value[: 4 if value[1] in "3456789" and len(value) == 12 else 3]
    return f"{area}-****{value[-4:]}"


def find_identifiers(text: str) -> list[Identifier]:
    """Every identifier in `text`, left to right, none overlapping (an ID before a card before a phone)."""
    folded = fold_digits(text)
    found: list[Identifier] = []
    taken = [False] * len(text)

    def add(kind: str, match: re.Match[str], value: str) -> None:
        start, end = match.span()
        if any(taken[start:end]):
            return
        taken[start:end] = [True] * (end - start)
        found.append(Identifier(kind, start, end, value, _masked(kind, value)))

    for match in _ID_CARD.finditer(folded):
        value = _digits(match.group())
        if valid_id_card(value):
            add("id_card", match, value)
    for match in _BANK_CARD.finditer(folded):
        value = _digits(match.group())
        if 16 <= len(value) <= 19 and luhn(value):
            add("bank_card", match, value)
    for match in _MOBILE.finditer(folded):
        add("mobile", match, _digits(match.group())[-11:])
    for match in _LANDLINE.finditer(folded):
        add("landline", match, _digits(match.group()))
    return sorted(found, key=lambda identifier: identifier.start)


def mask_identifiers(text: str) -> str:
    """`text` with every identifier replaced by its mask."""
    out, last = [], 0
    for identifier in find_identifiers(text):
        out.append(text[last : identifier.start])
        out.append(identifier.masked)
        last = identifier.end
    out.append(text[last:])
    return "".join(out)
