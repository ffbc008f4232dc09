"""The (timestamp, nonce) pairs signed callbacks came with, kept while their timestamp is accepted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import SignedNonce
from storage.prepared import insert


def claim(session: Session, channel: str, timestamp: str, nonce: str, digest: str, expires_at: datetime) -> str:
    """Take the pair for the body with `digest`; returns the digest of the body that took it first (this
    one's when the pair is new). A concurrent claim of the same pair waits for the first to commit."""
    session.execute(
        insert(session, SignedNonce.__table__)
        .values(channel=channel, timestamp=timestamp, nonce=nonce, digest=digest, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["channel", "timestamp", "nonce"])
    )
    return session.scalar(
        select(SignedNonce.digest).where(
            SignedNonce.channel == channel, SignedNonce.timestamp == timestamp, SignedNonce.nonce == nonce
        )
    )


def forget_expired(session: Session, now: datetime) -> int:
    """Pairs whose timestamp is too old to be accepted any more: nothing can use them again."""
    return session.execute(delete(SignedNonce).where(SignedNonce.expires_at < now)).rowcount or 0
