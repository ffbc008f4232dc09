"""The outbox: everything sent later is first a row, written in the same transaction as its cause."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from storage.models import OutboxMessage
from storage.prepared import execute, prepared

# Claimed in this order: an urgent case's card and alerts go before everything else due.
URGENT = -1
NORMAL = 0


def enqueue(
    session: Session,
    *,
    channel: str,
    target: str,
    payload: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    case_id: int | None = None,
    urgent: bool = False,
) -> bool:
    """Add a message to send; False when one with the same dedupe key exists (it is never sent twice)."""
    params = {"channel": channel, "target": target, "payload": payload, "dedupe_key": dedupe_key,
              "case_id": case_id, "now": now, "priority": URGENT if urgent else NORMAL}
    return execute(session, prepared(session, "outbox.enqueue", _enqueue), params).scalar() is not None


def _enqueue(insert):
    table = OutboxMessage.__table__
    now = bindparam("now", type_=table.c.created_at.type)
    return (
        insert(table)
        .values(
            channel=bindparam("channel"),
            target=bindparam("target"),
            payload=bindparam("payload", type_=table.c.payload.type),
            dedupe_key=bindparam("dedupe_key"),
            case_id=bindparam("case_id"),
            status="pending",
            priority=bindparam("priority"),
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )


def claim_due(
    session: Session,
    now: datetime,
    *,
    channels: Collection[str],
    limit: int,
    lease: timedelta,
    target: str | None = None,
    per_destination: int | None = None,
) -> list[OutboxMessage]:
    """Take up to `limit` due rows of these channels for delivery.

    A claimed row's next attempt moves `lease` ahead and its attempt count goes up in this short
    transaction; the sending happens after the commit. Several dispatchers never take the same row:
    PostgreSQL skips rows another claim holds (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time.
    If a dispatcher dies mid-send, the row is due again when the lease ends.

    `per_destination`: at most this many rows of one (channel, target), and the batch taken in turns —
    each destination's first row, then each one's second … (urgent rows before all) — so a backlog for
    one destination (a staff group's twenty a minute) never fills a batch and holds up the others.
    """
    due = [
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        OutboxMessage.channel.in_(list(channels)),
    ]
    if target is not None:
        due.append(OutboxMessage.target == target)
    order = (OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
    statement = select(OutboxMessage).where(*due).order_by(*order).limit(limit)
    if per_destination is not None:
        ranked = (
            select(OutboxMessage.id, func.row_number().over(
                partition_by=(OutboxMessage.channel, OutboxMessage.target), order_by=order).label("place"))
            .where(*due)
            .subquery()
        )
        statement = (
            select(OutboxMessage).join(ranked, ranked.c.id == OutboxMessage.id)
            .where(*due, ranked.c.place <= per_destination)
            .order_by(OutboxMessage.priority, ranked.c.place, OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=OutboxMessage)
    rows = list(session.scalars(statement))
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + lease
    return rows


def mark_undeliverable(session: Session, now: datetime, *, configured: Collection[str]) -> int:
    """Rows for a channel this deployment does not have can never be sent: say so at once, never retry."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.channel.not_in(list(configured)))
        .values(status="undeliverable", last_error="channel not configured", sent_at=None, next_attempt_at=now)
    )
    return result.rowcount or 0


def mark_sent(session: Session, row_id: int, now: datetime) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id).values(status="sent", sent_at=now, last_error=None)
    )


def mark_retry(session: Session, row_id: int, at: datetime, error: str, *, refund_attempt: bool = False) -> None:
    values: dict[str, Any] = {"status": "pending", "next_attempt_at": at, "last_error": error[:2000]}
    if refund_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(values))


def mark_failed(session: Session, row_id: int, now: datetime, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="failed", next_attempt_at=now, last_error=error[:2000])
    )
