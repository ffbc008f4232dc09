"""Console accounts (`web:USERNAME` on the staff list), logging in and out, and login sessions.

A session is a random token in an HttpOnly cookie; the database keeps its SHA-256, the account, a CSRF
token every form of the session carries, and when it was last used: after YIBANG_STAFF_SESSION_IDLE_MINUTES
without a request it is over. YIBANG_STAFF_LOGIN_ATTEMPTS failed logins in a row lock the account for
YIBANG_STAFF_LOCKOUT_MINUTES, whatever password comes meanwhile. Every login, failure and logout is logged.
The password is checked between two short transactions, never inside one (argon2 takes tens of ms).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from handlers.cases.actions import Actor
from handlers.console.passwords import hash_password, needs_rehash, password_matches, password_problem
from handlers.services import Services
from handlers.staff.directory import ROLES, StaffUser, add_member, role_of
from storage.console import (
    WEB,
    add_session,
    end_idle_sessions,
    end_session,
    end_sessions_of,
    find_session,
    touch_session,
    web_member,
    web_member_count,
)

log = logging.getLogger(__name__)

# A session's last use is written at most this often: a page that refreshes itself every few seconds
# must not be a write each time.
TOUCH_EVERY = timedelta(minutes=1)
MAX_USERNAME = 64


class AccountProblem(ValueError):
    """Said to the operator at the command line (`staff add`, `staff password`)."""


@dataclass(frozen=True)
class ConsoleAccount:
    """Who is logged in: what they may see and do follows from the role and the department."""

    username: str
    name: str
    role: str
    department: str | None
    csrf_token: str

    @property
    def staff_user(self) -> StaffUser:
        return StaffUser(WEB, self.username, self.name or self.username, "")

    @property
    def actor(self) -> Actor:
        return Actor(key=f"{WEB}:{self.username}", name=self.name or self.username, role=self.role,
                     department=self.department)


@dataclass(frozen=True)
class LoginResult:
    """A new session's token, or the words that say why not (never whether the name exists)."""

    token: str | None = None
    refusal: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_account(services: Services, username: str, role: str, name: str | None, department: str | None) -> str:
    """`yibang staff add web:USERNAME …`: the account (without a password until `staff password`)."""
    if role not in ROLES:
        raise AccountProblem(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > MAX_USERNAME or not username.isprintable() or " " in username:
        raise AccountProblem(f"a user name has 1-{MAX_USERNAME} characters and no spaces")
    if department is not None and department not in {d.name for d in services.taxonomy.departments}:
        raise AccountProblem(f"no department {department!r} in the taxonomy")
    with services.db.transaction() as session:
        add_member(session, WEB, username, role, name, services.clock.now(), department=department)
    return f"{WEB}:{username}"


def set_password(services: Services, username: str, password: str) -> None:
    """`yibang staff password web:USERNAME`: a new password; the account's sessions end, its lock is lifted."""
    problem = password_problem(password)
    if problem:
        raise AccountProblem(problem)
    hashed = hash_password(password)
    with services.db.transaction() as session:
        member = web_member(session, username, lock=True)
        if member is None:
            raise AccountProblem(f"{WEB}:{username} is not a console account (add it with `yibang staff add`)")
        member.password_hash = hashed
        member.failed_logins = 0
        member.locked_until = None
        end_sessions_of(session, member.id)
    log.info("console password set for %s:%s", WEB, username)


def has_accounts(services: Services) -> bool:
    """Whether anyone can log in to the console: `yibang run` serves the web app for it then."""
    with services.db.reading() as session:
        return web_member_count(session) > 0


def log_in(services: Services, username: str, password: str) -> LoginResult:
    texts = services.taxonomy.texts.console
    settings = services.settings
    username = username.strip()[:MAX_USERNAME]
    with services.db.reading() as session:
        member = web_member(session, username)
        stored = member.password_hash if member is not None else None
        locked_until = member.locked_until if member is not None else None
    matches = password_matches(stored, password)  # outside any transaction, even for an unknown name
    with services.db.transaction() as session:
        now = services.clock.now()
        member = web_member(session, username, lock=True)
        if member is None or member.password_hash is None:
            log.warning("console login refused: unknown user %r", username)
            return LoginResult(refusal=texts.login_failed)
        locked_until = member.locked_until
        if locked_until is not None and locked_until > now:
            log.warning("console login refused: %s:%s is locked until %s", WEB, username, locked_until.isoformat())
            return LoginResult(refusal=texts.login_locked.format(minutes=settings.staff_lockout_minutes))
        if not matches or member.password_hash != stored:
            member.failed_logins = (member.failed_logins or 0) + 1
            if member.failed_logins >= settings.staff_login_attempts:
                member.failed_logins = 0
                member.locked_until = now + timedelta(minutes=settings.staff_lockout_minutes)
                log.warning("console login failed for %s:%s; locked for %d minutes", WEB, username,
                            settings.staff_lockout_minutes)
                return LoginResult(refusal=texts.login_locked.format(minutes=settings.staff_lockout_minutes))
            log.warning("console login failed for %s:%s (%d in a row)", WEB, username, member.failed_logins)
            return LoginResult(refusal=texts.login_failed)
        if role_of(session, services, WEB, username) is None:
            return LoginResult(refusal=texts.login_failed)
        member.failed_logins = 0
        member.locked_until = None
        member.last_login_at = now
        if needs_rehash(member.password_hash):
            member.password_hash = hash_password(password)
        token = secrets.token_urlsafe(32)
        add_session(session, member.id, token_hash(token), secrets.token_urlsafe(24), now)
        # sessions left idle (a browser closed without 退出) go at the next login, anyone's
        end_idle_sessions(session, now - timedelta(minutes=settings.staff_session_idle_minutes))
    log.info("console login: %s:%s", WEB, username)
    return LoginResult(token=token)


def current_account(services: Services, token: str | None) -> ConsoleAccount | None:
    """The account a session cookie stands for, or None (no cookie, unknown, idle too long, removed)."""
    if not token:
        return None
    hashed = token_hash(token)
    idle = timedelta(minutes=services.settings.staff_session_idle_minutes)
    now = services.clock.now()
    with services.db.reading() as session:
        found = find_session(session, hashed)
        if found is None:
            return None
        member, session_id = found.member, found.id
        expired = now - found.last_seen_at > idle
        stale = now - found.last_seen_at > TOUCH_EVERY
        role = role_of(session, services, WEB, member.user_key)
        account = ConsoleAccount(member.user_key, member.display_name or "", role or "", member.department,
                                 found.csrf_token)
    if expired or role is None:
        with services.db.transaction() as session:
            end_session(session, hashed)
        log.info("console session of %s:%s ended (%s)", WEB, account.username, "idle" if expired else "no role")
        return None
    if stale:
        with services.db.transaction() as session:
            touch_session(session, session_id, now)
    return account


def log_out(services: Services, token: str | None) -> None:
    if not token:
        return
    with services.db.transaction() as session:
        found = find_session(session, token_hash(token))
        if found is not None:
            log.info("console logout: %s:%s", WEB, found.member.user_key)
            end_session(session, found.token_hash)
