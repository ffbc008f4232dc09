"""Open311 API keys: made, listed and revoked by the operator (`yibang open311 key …`); checked, counted
and rate-limited on every keyed request.

A key is shown once, when it is made; only its SHA-256 is stored. The rate limit is the citizens' token
bucket (handlers/conversation/rate_limit.py), kept on the key's row, so it holds across web workers.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.conversation.rate_limit import take_token
from handlers.open311.errors import refusal
from handlers.services import Services
from storage.models import Open311Key

KEY_PREFIX = "yb311_"
SHOWN_PREFIX = 12  # characters of a key `key list` and the logs show
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class KeyProblem(Exception):
    """Said to the operator: a name already used, a name that is not a name, no such key."""


@dataclass(frozen=True)
class ApiKey:
    """The key a request came with, once checked."""

    id: int
    name: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_key(services: Services, name: str) -> str:
    """A new key named `name`; returns the key itself, the only time it is seen."""
    if not _NAME.match(name):
        raise KeyProblem(f"a key name is 1-64 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit): {name!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with services.db.transaction() as session:
        if session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
            raise KeyProblem(f"a key named {name} exists (revoked keys keep their names): choose another name")
        session.add(Open311Key(name=name, key_hash=key_hash(key), prefix=key[:SHOWN_PREFIX],
                               created_at=services.clock.now(), requests=0))
    return key


def list_keys(services: Services) -> list[dict[str, Any]]:
    def iso(moment: datetime | None) -> str | None:
        return services.local(moment).isoformat(timespec="seconds") if moment else None

    with services.db.reading() as session:
        return [
            {"name": key.name, "prefix": key.prefix, "created_at": iso(key.created_at),
             "last_used_at": iso(key.last_used_at), "requests": key.requests, "revoked_at": iso(key.revoked_at)}
            for key in session.scalars(select(Open311Key).order_by(Open311Key.id))
        ]


def revoke_key(services: Services, name: str) -> None:
    """From now on the key is refused; its name stays, so the cases it filed still say who filed them."""
    with services.db.transaction() as session:
        key = session.scalars(select(Open311Key).where(Open311Key.name == name).with_for_update()).one_or_none()
        if key is None:
            raise KeyProblem(f"no key named {name}")
        if key.revoked_at is None:
            key.revoked_at = services.clock.now()


def use_key(session: Session, services: Services, given: str | None, now: datetime) -> ApiKey | None:
    """The request's key, checked, counted and rate-limited in the caller's transaction.

    None when no key was given, or one that is not valid (such a request may read but never write);
    Open311Error 429 when the key has used up its rate.
    """
    if not given or not given.startswith(KEY_PREFIX) or len(given) > 128:
        return None
    wanted = key_hash(given)
    key = session.scalars(
        select(Open311Key).where(Open311Key.key_hash == wanted, Open311Key.revoked_at.is_(None)).with_for_update()
    ).one_or_none()
    # The lookup is by the hash itself; the comparison in constant time guards against a database collation
    # that would match more than the exact string.
    if key is None or not hmac.compare_digest(key.key_hash, wanted):
        return None
    settings = services.settings
    allowed, key.rate_tokens = take_token(key.rate_tokens, key.rate_at, now,
                                          per_minute=settings.open311_rate_per_minute,
                                          burst=settings.open311_rate_burst)
    key.rate_at = now
    if not allowed:
        seconds = math.ceil((1.0 - key.rate_tokens) * 60.0 / settings.open311_rate_per_minute)
        error = refusal(services, 429, "rate", per_minute=f"{settings.open311_rate_per_minute:g}", seconds=seconds)
        error.retry_after = seconds
        raise error
    key.last_used_at = now
    key.requests += 1
    return ApiKey(id=key.id, name=key.name)
