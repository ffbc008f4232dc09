"""One access token per deployment, kept in the database and refreshed by one process at a time.

wechatpy keeps the token in each process's memory by default, and WeChat invalidates the previous token
about five minutes after a new one is fetched: several workers each fetching their own would knock each
other's tokens out (PITFALLS.md). Here the token lives in the shared_values table (encrypted like every
other secret at rest) and is wechatpy's session storage; a refresh happens under that row's lock, so a
process that waited for the lock finds the fresh token and uses it instead of fetching another.

Only senders call WeChat's API (passive replies need no token), so in practice the dispatcher refreshes,
about once in two hours. On SQLite the lock is the database's write lock: while the token request is in
flight (normally a fraction of a second), other writers wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from wechatpy.session import SessionStorage

from handlers.services import Services
from storage.models import SharedValue
from storage.shared_values import lock_shared_value, read_shared_value

# Refresh a little before WeChat's expiry, so no request goes out with a token in its last seconds.
EXPIRY_MARGIN = timedelta(minutes=5)

# Asks WeChat for a new token: (token, lifetime in seconds).
FetchToken = Callable[[], tuple[str, int]]


class SharedAccessToken(SessionStorage):
    """wechatpy's session storage for the one key it keeps, `<appid>_access_token`.

    wechatpy only reads it (`get`); it is written by `refresh` alone, never through wechatpy's own
    fetch, which would bypass the lock.
    """

    def __init__(self, services: Services):
        self.services = services

    def _usable(self, row: SharedValue | None, now: datetime) -> str | None:
        if (
            row is None
            or row.value is None
            or row.expires_at is None
            or row.expires_at - EXPIRY_MARGIN <= now
        ):
            return None
        return self.services.cipher.decrypt(row.value)

    def get(self, key: str, default: str | None = None) -> str | None:
        with self.services.db.reading() as session:
            token = self._usable(read_shared_value(session, key), self.services.clock.now())
        return token if token is not None else default

    def refresh(self, key: str, fetch: FetchToken, *, rejected: str | None = None) -> str:
        """A usable token: the stored one unless it is stale or is the one WeChat just `rejected`,
        else a new one from `fetch`, stored for every process. Fetching happens under the row lock."""
        now = self.services.clock.now()
        with self.services.db.transaction() as session:
            row = lock_shared_value(session, key, now)
            current = self._usable(row, now)
            if current is not None and current != rejected:
                return current
            token, lifetime = fetch()
            self._store(row, token, lifetime, now)
            return token

    def _store(self, row: SharedValue, token: str, ttl: int | None, now: datetime) -> None:
        row.value = self.services.cipher.encrypt(token)
        row.expires_at = now + timedelta(seconds=ttl or 7200)
        row.updated_at = now
