"""Handovers (交办), 催办 and reminders to a department by e-mail, through any SMTP server.

Many government units live in e-mail. YIBANG_SMTP_URL names the server: `smtp://user:password@host:587`
(STARTTLS, the submission port's rule), `smtps://…:465` (TLS from the first byte) or `smtp+plain://host:25`
(a relay on the same host, no encryption); YIBANG_SMTP_SENDER is the From address. The standard library's
smtplib does the talking, on a thread: a message is one short conversation, and no dependency is needed.

A server's answer decides: a 4xx (greylisting, a full queue) or a dropped connection is tried again later,
a 5xx for the message or its recipient (no such mailbox) is given up for a person to look at. The address
is read, unsealed, just before sending; each address gets at most PER_MINUTE messages a minute.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from bot.dispatcher import GiveUp, RetryLater, SendResult, Sent
from bot.wecom.quota import MinuteQuota
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import OutboxKind
from handlers.departments.contacts import EMAIL, OUTBOX_CHANNELS, address_of
from handlers.departments.handover import handover_message
from handlers.services import Services
from handlers.staff.notices import message_for_staff

CHANNEL = OUTBOX_CHANNELS[EMAIL]
PER_MINUTE = 30
TIMEOUT_SECONDS = 20.0
DEFAULT_PORTS = {"smtp": 587, "smtps": 465, "smtp+plain": 25}


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        return cls(parts.scheme, parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme],
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def deliver(self, message: EmailMessage) -> None:
        """One SMTP conversation: connect, secure, log in when a user is given, send, quit."""
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with client:
            if self.scheme == "smtp":
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(message)


class EmailSender:
    channel = CHANNEL

    def __init__(self, services: Services, smtp_url: str, sender_address: str):
        self.services = services
        self.server = SmtpServer.parse(smtp_url)
        self.sender_address = sender_address
        self._quotas: dict[str, MinuteQuota] = {}

    async def send(self, item: OutboxItem) -> SendResult:
        address = await asyncio.to_thread(address_of, self.services, item.target, EMAIL)
        if not address:
            return GiveUp(f"no e-mail address for {item.target}")
        message = await asyncio.to_thread(self.message, item, address)
        if message is None:
            return Sent()
        wait = self._quota(address).wait_for(item.id)
        if wait > 0:
            return RetryLater(f"e-mail: {PER_MINUTE} messages a minute to one address", after=wait)
        try:
            await asyncio.to_thread(self.server.deliver, message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return GiveUp(f"SMTP refused the recipient: {codes}") if all(c >= 500 for c in codes) else RetryLater(
                f"SMTP deferred the recipient: {codes}")
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            # A 5xx for the message itself is final; a refused login is a setting to fix, so it waits.
            permanent = exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError)
            return GiveUp(error) if permanent else RetryLater(error)
        except (smtplib.SMTPException, OSError) as exc:
            return RetryLater(f"SMTP server unreachable: {type(exc).__name__}")
        return Sent()

    def message(self, item: OutboxItem, address: str) -> EmailMessage | None:
        """The row as an e-mail (read from the database: run off the event loop); None for a handover the
        department no longer holds."""
        if item.kind is OutboxKind.DEPARTMENT_HANDOVER:
            handover = handover_message(self.services, item.payload, item.case_id, EMAIL)
            if handover is None:
                return None
            subject, body = handover.subject, handover.text
        else:
            body, _ = message_for_staff(self.services, item)
            subject = body.splitlines()[0] if body else ""
        message = EmailMessage()
        message["From"] = self.sender_address
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(self.services.clock.now().timestamp(), localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender_address.rsplit("@", 1)[-1].strip(">"))
        message.set_content(body)
        return message

    def _quota(self, address: str) -> MinuteQuota:
        if address not in self._quotas:
            self._quotas[address] = MinuteQuota(PER_MINUTE, lambda: self.services.clock.now().timestamp())
        return self._quotas[address]
