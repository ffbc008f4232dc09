"""Is this request from WeChat, and is it fresh? Checked before the body is even read.

WeChat signs each callback with SHA-1 over the sorted (token, timestamp, nonce) — and, in safe mode, the
encrypted body too (`msg_signature`). wechatpy's `check_signature` compares with `!=`, which leaks how many
leading characters matched, and ignores the timestamp, so a captured request could be replayed forever;
here the comparison is constant-time and the timestamp must be within a window.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime


class SignatureRefused(Exception):
    """The request is not (provably) from WeChat, or is too old; the reason is for the log only."""


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check_fresh(timestamp: str, now: datetime, max_age_seconds: int) -> None:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRefused("timestamp is not a number")
    if abs(now.timestamp() - int(timestamp)) > max_age_seconds:
        raise SignatureRefused("timestamp outside the freshness window")


def check_signature(signature: str, token: str, timestamp: str, nonce: str, *signed: str) -> None:
    """Raise SignatureRefused unless `signature` signs token, timestamp, nonce (and `signed`, e.g. Encrypt)."""
    expected = sign(token, timestamp, nonce, *signed)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        raise SignatureRefused("signature does not match")
