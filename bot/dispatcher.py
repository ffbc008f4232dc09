"""Delivers the outbox: staff cards, pushes to citizens, alerts.

Rows are claimed in a short transaction, sent outside it, and their result recorded: sent; retried
with exponential backoff (or when the platform says, as Telegram's 429 retry_after); or failed for a
person to look at after too many attempts or a permanent refusal (a citizen who blocked the bot).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.metrics import record_delivery
from handlers.delivery import outbox, payloads
from handlers.delivery.outbox import OutboxItem
from handlers.services import Services
from handlers.staff.notices import message_for_staff

log = logging.getLogger(__name__)


# Rows of one destination taken in one pass (a staff group's minute), taken in turns with the other
# destinations' (storage.outbox.claim_due): a destination that must wait holds back its own rows only.
PER_DESTINATION = 20

UNOPENED_ERROR = "the sealed message cannot be opened with the configured YIBANG_SECRET_KEY (or old keys)"


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
        text, _ = await asyncio.to_thread(message_for_staff, self._services, item)
        self._log.info("%s", text)
        return Sent()


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
        claims: Collection[str] | None = None,
    ):
        """`claims`: the channels whose rows this dispatcher delivers (default: all its senders'); the
        others' rows are left to another dispatcher of the same senders."""
        self.services = services
        self.senders = {sender.channel: sender for sender in senders}
        self.claims = set(self.senders) if claims is None else set(claims) & set(self.senders)
        self.batch = batch
        self.max_attempts = max_attempts
        self.lease = lease
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff

    def restricted(self, claims: Collection[str]) -> Dispatcher:
        """The same senders and settings, delivering only the rows of `claims`: slow work (fetching
        citizens' photos) runs beside the staff cards instead of in front of them."""
        return Dispatcher(self.services, list(self.senders.values()), batch=self.batch,
                          max_attempts=self.max_attempts, lease=self.lease, base_backoff=self.base_backoff,
                          max_backoff=self.max_backoff, claims=claims)

    def backoff(self, attempts: int) -> float:
        return min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1))

    def _record(self, item: OutboxItem, result: SendResult, now: datetime, not_before: datetime | None = None) -> str:
        """Record what became of the row; returns it in a word (sent, failed, retry)."""
        throttled = isinstance(result, RetryLater) and result.after is not None
        if isinstance(result, Sent):
            outbox.record_sent(self.services, item, now)
            return "sent"
        if isinstance(result, GiveUp) or (item.attempts >= self.max_attempts and not throttled):
            log.warning("outbox row %s (%s) failed for good: %s", item.id, item.channel, result.error)
            outbox.record_failed(self.services, item, now, result.error)
            return "failed"
        else:
            # A platform's "wait N seconds" (429, a robot's quota) is not a failure: it uses no attempt.
            wait = result.after if throttled else self.backoff(item.attempts)
            retry_at = max(now + timedelta(seconds=wait), not_before or now)
            outbox.record_retry(self.services, item, retry_at, result.error, refund_attempt=throttled)
            return "retry"

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many rows were attempted."""
        now = self.services.clock.now()
        items = await asyncio.to_thread(outbox.claim_due, self.services, now, channels=self.claims,
                                        limit=self.batch, lease=self.lease, configured=self.senders,
                                        per_destination=PER_DESTINATION)
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
                # Sent empty, it would count as delivered: a failure with a dead letter instead.
                result = GiveUp(UNOPENED_ERROR) if payloads.unopened(item.payload) else await sender.send(item)
            except Exception as exc:  # a sender bug must not stop the other rows
                log.exception("sending outbox row %s failed", item.id)
                result = RetryLater(f"{type(exc).__name__}: {exc}")
            recorded_at = self.services.clock.now()
            if isinstance(result, RetryLater) and result.after is not None:
                held[chat] = (result, recorded_at + timedelta(seconds=result.after))
            record_delivery(item.channel, await asyncio.to_thread(self._record, item, result, recorded_at))
        return len(items)
