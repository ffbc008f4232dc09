"""Password hashes for console accounts: argon2id (argon2-cffi's defaults, RFC 9106's recommendation).

Checking takes tens of milliseconds on purpose; it runs outside any database transaction.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash to check against when there is no account, so an unknown name takes as long as a known one."""
    return _hasher().hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored or _decoy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Hashes made with weaker settings are replaced at the next successful login."""
    return _hasher().check_needs_rehash(stored)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (for the operator at the command line), or None."""
    if len(password) < MIN_LENGTH:
        return f"a password has at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if password.strip() != password:
        return "a password does not begin or end with spaces"
    return None
