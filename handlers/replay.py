"""Refusing a replayed signed callback.

WeChat signs a callback's query (token, timestamp, nonce), not its body; proxy logs keep query strings.
Whoever holds one signed query could, within the freshness window, post any body as any citizen. So each
(timestamp, nonce) is taken once, in the database (every worker sees it), in the same transaction as
the message it brought, and kept until its timestamp is too old to pass the freshness check anyway. The
very same request posted again (WeChat's own retry, the same body) is not a replay: it is recognised as
a duplicate and answered as the first time, changing nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from handlers.services import Services
from storage import nonces

# Longer nonces are not WeChat's (it sends about ten digits); they would not fit the table.
MAX_NONCE_LENGTH = 64


class Replayed(Exception):
    """The signature was used before, with another body: the request is refused (403)."""


@dataclass(frozen=True)
class SignedUse:
    """One use of a signature: its timestamp and nonce, the body it came with, and until when it counts."""

    timestamp: str
    nonce: str
    digest: str
    expires_at: datetime

    @classmethod
    def of(cls, timestamp: str, nonce: str, body: bytes, max_age_seconds: int) -> SignedUse:
        """`timestamp` is checked to be a fresh number before this is built."""
        expires = datetime.fromtimestamp(int(timestamp), UTC) + timedelta(seconds=max_age_seconds)
        return cls(timestamp, nonce, hashlib.sha256(body).hexdigest(), expires)


def take(session: Session, channel: str, use: SignedUse) -> None:
    """Raise Replayed unless this is the signature's first use, or a repeat of that very request."""
    first = nonces.claim(session, channel, use.timestamp, use.nonce, use.digest, use.expires_at)
    if first != use.digest:
        raise Replayed(f"{channel} signature of {use.timestamp} used again with another body")


def forget_expired(services: Services, now: datetime) -> int:
    """The sweep: signatures too old to be accepted are forgotten."""
    with services.db.transaction() as session:
        return nonces.forget_expired(session, now)
