"""The console's cookies and its checks against forged requests.

The session cookie is HttpOnly (no script reads it), SameSite=Lax (another site's form posts arrive
without it), Secure when YIBANG_PUBLIC_URL is https, and scoped to the console's path. Every POST also
carries the session's CSRF token in the form, and is refused when the browser says it comes from
another site (Origin, Sec-Fetch-Site). The login form, before any session, carries a token that must
equal a cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from handlers.services import Services

SESSION_COOKIE = "yibang_staff"
LOGIN_COOKIE = "yibang_staff_login"
CSRF_FIELD = "csrf"


def set_cookie(services: Services, response: Response, name: str, value: str, path: str) -> None:
    response.set_cookie(name, value, path=path, httponly=True, samesite="lax", secure=services.settings.https)


def clear_cookie(services: Services, response: Response, name: str, path: str) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=services.settings.https)


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def from_this_site(services: Services, request: Request) -> bool:
    """False when the browser tells that the request was made by a page of another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    ours = {request.headers.get("host", "")}
    if services.settings.public_url:
        ours.add(urlsplit(services.settings.public_url).netloc)
    return urlsplit(origin).netloc in ours
