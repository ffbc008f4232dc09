"""The (timestamp, nonce) pairs signed callbacks came with, kept while their timestamp is accepted.

Every WeChat message takes one, so the statements run on the hot path (storage/prepared.py): an insert
that returns its row when the pair is new, and a lookup only when it was not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from storage.models import SignedNonce
from storage.prepared import execute, hot, prepared

nonces = SignedNonce.__table__
_FIRST = hot(select(nonces.c.digest).where(
    nonces.c.channel == bindparam("channel"), nonces.c.timestamp == bindparam("timestamp"),
    nonces.c.nonce == bindparam("nonce"),
))


def _take(insert):
    return (
        insert(nonces)
        .values(
            channel=bindparam("channel"),
            timestamp=bindparam("timestamp"),
            nonce=bindparam("nonce"),
            digest=bindparam("digest"),
            expires_at=bindparam("expires_at", type_=nonces.c.expires_at.type),
        )
        .on_conflict_do_nothing(index_elements=["channel", "timestamp", "nonce"])
        .returning(nonces.c.digest)
    )


def claim(session: Session, channel: str, timestamp: str, nonce: str, digest: str, expires_at: datetime) -> str:
    """Take the pair for the body with `digest`; returns the digest of the body that took it first (this
    one's when the pair is new). A concurrent claim of the same pair waits for the first to commit."""
    params = {"channel": channel, "timestamp": timestamp, "nonce": nonce, "digest": digest,
              "expires_at": expires_at}
    taken = execute(session, prepared(session, "nonces.take", _take), params).scalar()
    if taken is not None:
        return taken
    return execute(session, _FIRST, {"channel": channel, "timestamp": timestamp, "nonce": nonce}).scalar()


def forget_expired(session: Session, now: datetime) -> int:
    """Pairs whose timestamp is too old to be accepted any more: nothing can use them again."""
    return session.execute(delete(SignedNonce).where(SignedNonce.expires_at < now)).rowcount or 0
