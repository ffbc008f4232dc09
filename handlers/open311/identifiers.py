"""Identifiers taken out of free text before it leaves for a city system: mobile and landline numbers,
ID card and bank card numbers, e-mail addresses, each masked to what tells them apart and no more.

Kept small and on its own: the one function the Open311 views call, to be replaced by the classifier's
general identifier masker when it exists.
"""

from __future__ import annotations

import re
import unicodedata

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# 18-digit resident ID (the last may be X) and the older 15-digit one
_ID_CARD = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])|(?<![0-9])(\d{6})\d{5}(\d{4})(?![0-9])")
_BANK_CARD = re.compile(r"(?<![0-9])\d{12,15}(\d{4})(?![0-9])|(?<![0-9])\d{4}(?:[\s\-]\d{4}){2,3}[\s\-](\d{1,4})(?![0-9])")
_SEPARATOR = r"[\s.\-]?"
_MOBILE = re.compile(
    rf"(?<![0-9])(?:\+?86{_SEPARATOR})?(1[3-9]\d){_SEPARATOR}\d{{4}}{_SEPARATOR}(\d{{4}})(?![0-9])"
)
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})[\s\-]?\d{3,4}[\s\-]?(\d{4})(?![0-9])")


def mask_identifiers(text: str) -> str:
    """`text` with full-width digits folded to ASCII and every identifier in it masked."""
    text = "".join(unicodedata.normalize("NFKC", ch) if ch.isdigit() or ch in "＋－" else ch for ch in text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _ID_CARD.sub(_id_card, text)
    text = _BANK_CARD.sub(lambda m: f"****{m.group(1) or m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)


def _id_card(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"{match.group(1)[:3]}***********{match.group(2)[-4:]}"
    return f"{match.group(3)[:3]}********{match.group(4)}"
