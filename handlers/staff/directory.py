"""Who may act on cases, and as what.

Anyone acting inside a configured staff chat is a handler; people named in the settings
(YIBANG_STAFF_HANDLERS, YIBANG_STAFF_SUPERVISORS) or added with `yibang staff add` may act from
anywhere, supervisors with the extra rights. Everyone else is refused, and the refusal is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.cases.actions import HANDLER, SUPERVISOR, Actor
from handlers.services import Services
from storage.staff import all_members, delete_member, find_member, upsert_member

log = logging.getLogger(__name__)
ROLES = (HANDLER, SUPERVISOR)


def parse_people(value: str, default_channel: str = "telegram") -> set[str]:
    """'123, telegram:456' -> {'telegram:123', 'telegram:456'}."""
    people = set()
    for part in value.split(","):
        part = part.strip()
        if part:
            people.add(part if ":" in part else f"{default_channel}:{part}")
    return people


def staff_chats(services: Services) -> set[str]:
    chats = set()
    if services.settings.telegram_staff_chat_id is not None:
        chats.add(f"telegram:{services.settings.telegram_staff_chat_id}")
    return chats


def role_of(session: Session, services: Services, channel: str, user_key: str) -> str | None:
    key = f"{channel}:{user_key}"
    settings = services.settings
    if key in parse_people(settings.staff_supervisors):
        return SUPERVISOR
    member = find_member(session, channel, user_key)
    if member is not None:
        return member.role
    if key in parse_people(settings.staff_handlers):
        return HANDLER
    return None


@dataclass(frozen=True)
class StaffUser:
    """Who pressed or wrote, and in which chat: authorisation depends on both."""

    channel: str
    user_key: str
    name: str
    chat_key: str


def authorise(session: Session, services: Services, who: StaffUser) -> Actor | None:
    """The acting staff member, or None (logged) when this person may not act here."""
    role = role_of(session, services, who.channel, who.user_key)
    if role is None and f"{who.channel}:{who.chat_key}" in staff_chats(services):
        role = HANDLER
    if role is None:
        log.warning("refused a staff action from %s:%s in chat %s", who.channel, who.user_key, who.chat_key)
        return None
    member = find_member(session, who.channel, who.user_key)
    department = member.department if member is not None else None  # a console account's department
    return Actor(key=f"{who.channel}:{who.user_key}", name=who.name, role=role, department=department)


def add_member(session: Session, channel: str, user_key: str, role: str, name: str | None, now: datetime, *,
               department: str | None = None) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    upsert_member(session, channel, user_key, role, name, now, department)


def remove_member(session: Session, channel: str, user_key: str) -> bool:
    return delete_member(session, channel, user_key)


def members(session: Session, services: Services) -> Sequence[dict[str, str]]:
    """Everyone who may act: from the settings and from the database."""
    listed = [
        {"who": key, "role": SUPERVISOR, "source": "settings", "name": "", "department": ""}
        for key in sorted(parse_people(services.settings.staff_supervisors))
    ]
    listed += [
        {"who": key, "role": HANDLER, "source": "settings", "name": "", "department": ""}
        for key in sorted(parse_people(services.settings.staff_handlers))
    ]
    for member in all_members(session):
        listed.append({"who": f"{member.channel}:{member.user_key}", "role": member.role, "source": "database",
                       "name": member.display_name or "", "department": member.department or ""})
    return listed


def add_staff(services: Services, who: str, role: str, name: str | None) -> str:
    """`yibang staff add`: returns the person as stored (`telegram:123`)."""
    channel, user_key = next(iter(parse_people(who))).split(":", 1)
    with services.db.transaction() as session:
        add_member(session, channel, user_key, role, name, services.clock.now())
    return f"{channel}:{user_key}"


def remove_staff(services: Services, who: str) -> tuple[str, bool]:
    """`yibang staff remove`: the person, and whether they were in the database's list."""
    channel, user_key = next(iter(parse_people(who))).split(":", 1)
    with services.db.transaction() as session:
        return f"{channel}:{user_key}", remove_member(session, channel, user_key)


def list_staff(services: Services) -> list[dict[str, str]]:
    with services.db.reading() as session:
        return list(members(session, services))
