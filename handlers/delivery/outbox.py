"""The outbox as its deliverers use it: rows claimed in a short transaction of their own, sent by the
caller outside any transaction, and their result recorded in another.

A claimed row's next attempt moves a lease ahead, so a deliverer that dies mid-send leaves the row due
again when the lease ends; several deliverers never take the same row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from handlers.delivery import payloads
from handlers.messages import Reply
from handlers.services import Services, StaffDestination
from storage import outbox
from storage.models import OutboxMessage

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

    @property
    def kind(self) -> payloads.OutboxKind | None:
        return payloads.kind_of(self.payload)

    @classmethod
    def of(cls, row: OutboxMessage, services: Services) -> OutboxItem:
        """The row as a sender reads it: a sealed payload is opened here, just before sending."""
        return cls(row.id, row.channel, row.target, payloads.opened(services.cipher, row.payload), row.case_id,
                   row.attempts)


def claim_due(services: Services, now: datetime, *, channels: Collection[str], limit: int,
              lease: timedelta, configured: Collection[str] = (), per_destination: int | None = None
              ) -> list[OutboxItem]:
    """Up to `limit` rows due on these channels; rows for a channel this deployment lacks (neither one of
    these nor `configured`, which another deliverer takes) are marked undeliverable at once (they could
    never go)."""
    with services.db.transaction() as session:
        outbox.mark_undeliverable(session, now, configured=set(channels) | set(configured) | SELF_DELIVERED)
        rows = outbox.claim_due(session, now, channels=channels, limit=limit, lease=lease,
                                per_destination=per_destination)
        return [OutboxItem.of(row, services) for row in rows]


def record_sent(services: Services, item: OutboxItem, now: datetime) -> None:
    with services.db.transaction() as session:
        outbox.mark_sent(session, item.id, now)


def record_retry(services: Services, item: OutboxItem, at: datetime, error: str, *, refund_attempt: bool) -> None:
    """Due again at `at`; `refund_attempt` when the platform only asked us to wait (that is no failure)."""
    with services.db.transaction() as session:
        outbox.mark_retry(session, item.id, at, error, refund_attempt=refund_attempt)


def record_failed(services: Services, item: OutboxItem, now: datetime, error: str) -> None:
    """Given up: a person must look (the dead-letter sweep tells staff)."""
    with services.db.transaction() as session:
        outbox.mark_failed(session, item.id, now, error)


def queue_for_each(
    session: Session,
    destinations: Iterable[StaffDestination],
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    now: datetime,
    case_id: int | None = None,
    urgent: bool = False,
) -> int:
    """One row per destination (in the caller's transaction), each keyed `dedupe_key:channel:target` so it
    is never queued twice; returns how many were new."""
    return sum(
        outbox.enqueue(session, channel=destination.channel, target=destination.target, payload=payload,
                       dedupe_key=f"{dedupe_key}:{destination.channel}:{destination.target}", now=now,
                       case_id=case_id, urgent=urgent)
        for destination in destinations
    )


def queue_replies(services: Services, channel: str, chat_key: str, replies: Sequence[Reply], *,
                  dedupe_key: str) -> None:
    """Replies the platform would not take just now, as one sealed push: their texts in order, the last
    one's choices."""
    last = replies[-1]
    payload = payloads.citizen_update(
        services.cipher,
        "\n\n".join(reply.text for reply in replies),
        [choice.label for choice in last.choices],
        request_contact=last.request_contact,
    )
    with services.db.transaction() as session:
        outbox.enqueue(session, channel=channel, target=chat_key, payload=payload, dedupe_key=dedupe_key,
                       now=services.clock.now())


def take_pushes(services: Services, channel: str, target: str, *, limit: int = 20) -> list[Reply]:
    """What waits for one citizen of a channel that delivers its own rows (the terminal chat), marked sent:
    the caller shows them at once."""
    now = services.clock.now()
    with services.db.transaction() as session:
        rows = outbox.claim_due(session, now, channels={channel}, limit=limit, lease=timedelta(minutes=5),
                                target=target)
        replies = []
        for row in rows:
            payload = payloads.opened(services.cipher, row.payload)
            if payloads.unopened(payload):
                outbox.mark_failed(session, row.id, now, "the sealed message cannot be opened with the configured keys")
                continue
            replies.append(Reply.from_dict(payload))
            outbox.mark_sent(session, row.id, now)
    return replies
