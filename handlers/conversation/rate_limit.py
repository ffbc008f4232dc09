"""Per-citizen rate limit: a token bucket kept on the conversation row, so it holds across workers.

A quick typist (a burst of ten messages) is never stopped; a flood is, politely. The bucket lives on
the row every message already locks, so the limit costs no extra statement and no shared cache.
"""

from __future__ import annotations

from datetime import datetime


def take_token(
    tokens: float | None, last: datetime | None, now: datetime, *, per_minute: float, burst: int
) -> tuple[bool, float]:
    """Whether one more message may pass now, and the tokens left in the bucket afterwards."""
    if tokens is None or last is None:
        tokens = float(burst)
    else:
        elapsed = max(0.0, (now - last).total_seconds())
        tokens = min(float(burst), tokens + elapsed * per_minute / 60.0)
    if tokens >= 1.0:
        return True, tokens - 1.0
    return False, tokens
