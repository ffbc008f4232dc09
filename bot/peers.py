"""Who is asking: a request from this machine itself, or one through a reverse proxy (or from anywhere).

Operational details (host names, process ids, backlogs) are for the operator; a request that came through
the reverse proxy carries its forwarding headers, whatever address it arrives from.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from config.settings import LOOPBACK_HOSTS

FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


def through_proxy(request: Request) -> bool:
    return any(header in request.headers for header in FORWARDING_HEADERS)


def from_this_machine(request: Request) -> bool:
    """Connected over loopback, and not passed on by a proxy running here."""
    host = request.client.host if request.client else ""
    return host in LOOPBACK_HOSTS and not through_proxy(request)


def bearer_matches(request: Request, token: str | None) -> bool:
    """`Authorization: Bearer TOKEN` with the configured token (compared in constant time)."""
    if not token:
        return False
    given = request.headers.get("authorization", "").encode("latin-1")
    return hmac.compare_digest(given, f"Bearer {token}".encode())
