"""Delivers the outbox: staff cards, pushes to citizens, alerts (DESIGN §3 step 4, §6).

Rows are claimed in a short transaction, sent outside it, and their result recorded: sent; retried
with exponential backoff (or when the platform says, as Telegram's 429 retry_after); or failed for a
person to look at after too many attempts or a permanent refusal (a citizen who blocked the bot).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.metrics import record_delivery
from handlers.delivery.payloads import opened
from handlers.services import Services
from storage import outbox
from storage.encryption import FieldCipher
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# Channels whose rows wait for their own process (a terminal chat) rather than a dispatcher.
SELF_DELIVERED = frozenset({"console"})


@dataclass(frozen=True)
class OutboxItem:
    """A claimed row, detached from its session so sending needs no database."""

    id: int
    channel: str
    target: str
    payload: dict[str, Any]
    case_id: int | None
    attempts: int

    @classmethod
    def of(cls, row: OutboxMessage, cipher: FieldCipher) -> OutboxItem:
        """The row as a sender reads it: a sealed payload is opened here, just before sending."""
        return cls(row.id, row.channel, row.target, opened(cipher, row.payload), row.case_id, row.attempts)


@dataclass(frozen=True)
class Sent:
    pass


@dataclass(frozen=True)
class RetryLater:
    error: str
    after: float | None = None  # seconds the platform asked us to wait


@dataclass(frozen=True)
class GiveUp:
    error: str


SendResult = Sent | RetryLater | GiveUp


class Sender(Protocol):
    channel: str

    async def send(self, item: OutboxItem) -> SendResult: ...


class LogSender:
    """Staff notices when no staff chat is configured: to the log, with personal data already masked."""

    channel = "log"

    def __init__(self, services: Services):
        self._services = services
        self._log = logging.getLogger("yibang.staff")

    async def send(self, item: OutboxItem) -> SendResult:
        self._log.info("%s", render_staff_text(self._services, item))
        return Sent()


def render_staff_text(services: Services, item: OutboxItem) -> str:
    """The text of a staff row: a case card rendered from the case as it is now, or the row's own text
    (a notice, an escalation, the daily report — whose chart, payload "image", a sender may add as a photo)."""
    from handlers.staff.notices import render_card
    from storage.models import Case

    if item.payload.get("kind") in ("case_card", "case_card_update") and item.case_id is not None:
        with services.db.reading() as session:
            case = session.get(Case, item.case_id)
            if case is not None:
                return render_card(services, case)
    return str(item.payload.get("text", ""))


class Dispatcher:
    def __init__(
        self,
        services: Services,
        senders: list[Sender],
        *,
        batch: int = 50,
        max_attempts: int = 8,
        lease: timedelta = timedelta(seconds=120),
        base_backoff: float = 5.0,
        max_backoff: float = 3600.0,
    ):
        self.services = services
        self.senders = {sender.channel: sender for sender in senders}
        self.batch = batch
        self.max_attempts = max_attempts
        self.lease = lease
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff

    def backoff(self, attempts: int) -> float:
        return min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1))

    def _claim(self, now: datetime) -> list[OutboxItem]:
        with self.services.db.transaction() as session:
            outbox.mark_undeliverable(session, now, configured=set(self.senders) | SELF_DELIVERED)
            rows = outbox.claim_due(session, now, channels=self.senders, limit=self.batch, lease=self.lease)
            return [OutboxItem.of(row, self.services.cipher) for row in rows]

    def _record(self, item: OutboxItem, result: SendResult, now: datetime, not_before: datetime | None = None) -> str:
        """Record what became of the row; returns it in a word (sent, failed, retry)."""
        with self.services.db.transaction() as session:
            throttled = isinstance(result, RetryLater) and result.after is not None
            if isinstance(result, Sent):
                outbox.mark_sent(session, item.id, now)
                return "sent"
            elif isinstance(result, GiveUp) or (item.attempts >= self.max_attempts and not throttled):
                log.warning("outbox row %s (%s) failed for good: %s", item.id, item.channel, result.error)
                outbox.mark_failed(session, item.id, now, result.error)
                return "failed"
            else:
                # A platform's "wait N seconds" (429, a robot's quota) is not a failure: it uses no attempt.
                wait = result.after if throttled else self.backoff(item.attempts)
                retry_at = max(now + timedelta(seconds=wait), not_before or now)
                outbox.mark_retry(session, item.id, retry_at, result.error, refund_attempt=throttled)
                return "retry"

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were attempted."""
        now = self.services.clock.now()
        items = await asyncio.to_thread(self._claim, now)
        # A chat the platform told us to wait for: its later rows wait with it, in their order, unsent.
        held: dict[tuple[str, str], tuple[RetryLater, datetime]] = {}
        for item in items:
            chat = (item.channel, item.target)
            if chat in held:
                wait, until = held[chat]
                await asyncio.to_thread(self._record, item, wait, self.services.clock.now(), until)
                continue
            sender = self.senders[item.channel]
            try:
                result = await sender.send(item)
            except Exception as exc:  # a sender bug must not stop the other rows
                log.exception("sending outbox row %s failed", item.id)
                result = RetryLater(f"{type(exc).__name__}: {exc}")
            recorded_at = self.services.clock.now()
            if isinstance(result, RetryLater) and result.after is not None:
                held[chat] = (result, recorded_at + timedelta(seconds=result.after))
            record_delivery(item.channel, await asyncio.to_thread(self._record, item, result, recorded_at))
        return len(items)
