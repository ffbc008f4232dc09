"""Where each department is reached: a WeCom group robot, a Telegram chat, an e-mail address.

Departments themselves stay in the taxonomy (names, categories, districts); their contact points are
deployment data, kept in the database and set from the command line (and the console). Every address is
sealed like personal data — a robot's webhook URL carries the key that lets anyone post to the group —
and only its masked form (`shown`) is ever printed. A keyed hash of the address finds the department a
Telegram chat belongs to when someone there presses 签收.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from handlers.services import Services
from storage.departments import all_contacts, contact_on, contacts_of, delete_contact, departments_at, upsert_contact

WECOM = "wecom"
TELEGRAM = "telegram"
EMAIL = "email"
CONTACT_CHANNELS = (WECOM, TELEGRAM, EMAIL)
# The outbox channel each kind of contact point is delivered on; a department's Telegram chat is one more
# chat of the bot, so its rows go with the bot's other messages (and its per-chat flood limits).
OUTBOX_CHANNELS = {WECOM: "dept-wecom", TELEGRAM: "telegram", EMAIL: "dept-email"}
# How much of a secret a masked address keeps: enough to tell two robots apart.
SHOWN_CHARACTERS = 4
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ContactRefused(ValueError):
    """An unknown department or channel, or an address that cannot be one (said to the operator)."""


@dataclass(frozen=True)
class Destination:
    """One outbox destination of a department: the channel it is delivered on, and its target there (the
    department's name for a robot or an address looked up when sending; the chat id for Telegram)."""

    channel: str
    target: str


def set_contacts(services: Services, department: str, addresses: dict[str, str]) -> dict[str, str]:
    """`yibang department set`: the department's contact points on these channels (others are kept);
    returns every contact point it has now, masked."""
    _known(services, department)
    checked = {channel: _checked(channel, address) for channel, address in addresses.items()}
    cipher = services.cipher
    now = services.clock.now()
    with services.db.transaction() as session:
        for channel, address in checked.items():
            upsert_contact(session, department, channel, address_enc=cipher.encrypt(address) or "",
                           address_index=cipher.index(f"{channel}:{address}"), shown=masked(channel, address),
                           now=now)
        return {contact.channel: contact.shown for contact in contacts_of(session, department)}


def unset_contact(services: Services, department: str, channel: str) -> bool:
    """`yibang department unset NAME --channel C`: False when it had none there."""
    if channel not in CONTACT_CHANNELS:
        raise ContactRefused(f"channel must be one of: {', '.join(CONTACT_CHANNELS)}")
    with services.db.transaction() as session:
        return delete_contact(session, department, channel)


def list_contacts(services: Services) -> list[dict[str, object]]:
    """Every department of the taxonomy with its contact points (masked), and any contact points kept for
    a department the taxonomy no longer has (so they can be unset)."""
    with services.db.reading() as session:
        stored = all_contacts(session)
    names = services.taxonomy.department_names
    listed: dict[str, dict[str, str]] = {name: {} for name in names}
    for contact in stored:
        listed.setdefault(contact.department, {})[contact.channel] = contact.shown
    return [{"department": name, "in_taxonomy": name in names, "contacts": contacts}
            for name, contacts in listed.items()]


def destinations(session, department: str) -> list[Destination]:
    """Where the department is told of a case, in the caller's transaction."""
    found = []
    for contact in contacts_of(session, department):
        outbox_channel = OUTBOX_CHANNELS.get(contact.channel)
        if outbox_channel is None:
            continue
        target = contact.department
        if contact.channel == TELEGRAM:
            target = contact.shown  # a chat id is no secret: the bot needs it to post there
        found.append(Destination(outbox_channel, target))
    return found


def address_of(services: Services, department: str, channel: str) -> str | None:
    """The department's address on a channel, unsealed for the sender that is about to use it."""
    with services.db.reading() as session:
        contact = contact_on(session, department, channel)
        return None if contact is None else services.cipher.decrypt(contact.address_enc)


def departments_of_chat(session, services: Services, channel: str, chat: str) -> list[str]:
    """The departments whose contact point is this chat (someone pressing 签收 there speaks for them)."""
    return departments_at(session, channel, services.cipher.index(f"{channel}:{chat}"))


def masked(channel: str, address: str) -> str:
    """What may be printed of an address: a webhook URL with its key cut to its first characters."""
    if channel != WECOM:
        return address
    parts = urlsplit(address)
    query = "&".join(f"{name}={_cut(value)}" for name, value in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _cut(secret: str) -> str:
    return secret[:SHOWN_CHARACTERS] + "…" if len(secret) > SHOWN_CHARACTERS else "…"


def _known(services: Services, department: str) -> None:
    if department not in services.taxonomy.department_names:
        raise ContactRefused(f"no department '{department}' in the taxonomy (yibang department list names them)")


def _checked(channel: str, address: str) -> str:
    address = address.strip()
    if channel == WECOM:
        parts = urlsplit(address)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ContactRefused("--wecom-webhook must be the robot's webhook address (https://…/webhook/send?key=…)")
    elif channel == TELEGRAM:
        if not re.fullmatch(r"-?\d{1,20}", address):
            raise ContactRefused("--telegram-chat must be a chat id (a group's is negative: -1001234567890)")
    elif channel == EMAIL:
        if not _EMAIL.match(address):
            raise ContactRefused("--email must be an e-mail address")
    else:
        raise ContactRefused(f"channel must be one of: {', '.join(CONTACT_CHANNELS)}")
    return address
