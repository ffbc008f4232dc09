"""A platform's access token, one per deployment: kept in the database, refreshed by one process at a time,
and never fetched inside a transaction.

WeChat invalidates the previous token about five minutes after a new one is fetched, so several workers
each fetching their own would knock each other's tokens out. The token is stored once for every process
(encrypted like every other secret at rest). To refresh, a process takes a lease in a short transaction,
fetches the token with no transaction open — the platform may take seconds, and on SQLite every writer
would wait that long — and stores it in another. A process that finds the lease taken waits for the token
its holder fetches instead of fetching another; a lease whose holder died runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from handlers.services import Services
from storage.models import SharedValue
from storage.shared_values import lock_shared_value, read_shared_value

# Refresh a little before the platform's expiry, so no request goes out with a token in its last seconds.
EXPIRY_MARGIN = timedelta(minutes=5)
# How long a refresher may take before another process takes over (a platform request times out sooner).
LEASE = timedelta(seconds=30)
# How often a process waiting for another's refresh looks again.
POLL_SECONDS = 0.05
# When the platform does not say how long a token lives.
DEFAULT_LIFETIME_SECONDS = 7200

# Asks the platform for a new token: (token, lifetime in seconds).
FetchToken = Callable[[], tuple[str, int]]


def current_token(services: Services, key: str) -> str | None:
    """The stored token while it is usable; None when there is none or it is about to expire."""
    with services.db.reading() as session:
        return _usable(services, read_shared_value(session, key), services.clock.now())


def refresh_token(services: Services, key: str, fetch: FetchToken, *, rejected: str | None = None) -> str:
    """A usable token: the stored one unless it is stale or is the one the platform just `rejected`, else
    a new one from `fetch`, stored for every process."""
    give_up_waiting = time.monotonic() + LEASE.total_seconds()
    while True:
        now = services.clock.now()
        with services.db.transaction() as session:
            token = _usable(services, lock_shared_value(session, key, now), now)
            if token is not None and token != rejected:
                return token
            lease = lock_shared_value(session, _lease(key), now)
            if lease.expires_at is None or lease.expires_at <= now or time.monotonic() >= give_up_waiting:
                _hold(lease, now + LEASE, now)
                break
        time.sleep(POLL_SECONDS)
    try:
        token, lifetime = fetch()
    except BaseException:
        _release(services, key)
        raise
    now = services.clock.now()
    with services.db.transaction() as session:
        row = lock_shared_value(session, key, now)
        row.value = services.cipher.encrypt(token)
        _hold(row, now + timedelta(seconds=lifetime or DEFAULT_LIFETIME_SECONDS), now)
        _hold(lock_shared_value(session, _lease(key), now), now, now)
    return token


def _usable(services: Services, row: SharedValue | None, now: datetime) -> str | None:
    if row is None or row.value is None or row.expires_at is None or row.expires_at - EXPIRY_MARGIN <= now:
        return None
    return services.cipher.decrypt(row.value)


def _lease(key: str) -> str:
    return f"{key}:refreshing"


def _hold(row: SharedValue, until: datetime, now: datetime) -> None:
    row.expires_at = until
    row.updated_at = now


def _release(services: Services, key: str) -> None:
    now = services.clock.now()
    with services.db.transaction() as session:
        _hold(lock_shared_value(session, _lease(key), now), now, now)
