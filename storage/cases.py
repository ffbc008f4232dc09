"""Cases and their timelines: numbering, filing, events, a citizen's own cases, followers, the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import Case, CaseCounter, CaseEvent, CaseFollower
from storage.prepared import execute, hot, prepared, with_defaults
from storage.prepared import insert as upsert

# PostgreSQL: each day's numbers come from this many counter rows, so filings at the same moment do not
# queue on one row lock (held until commit, which waits for the disk). Shard s hands out the numbers
# s+1, s+1+SHARDS, s+1+2·SHARDS, …; the least used free shard is taken, so numbers stay dense and rising.
SHARDS = 16


def next_case_number(session: Session, prefix: str, day: date) -> str:
    """`ZZ20220110-0042`: the day's next number, taken inside the filing transaction.

    Two processes filing at once never get the same number; a rolled-back filing gives its number back
    (its counter's increment rolls back with it). SQLite has one writer at a time and one counter per day;
    PostgreSQL spreads a day over SHARDS counters.
    """
    key = f"{prefix}{day:%Y%m%d}"
    if session.get_bind().dialect.name == "postgresql":
        number = _sharded_number(session, key)
    else:
        number = execute(session, prepared(session, "cases.next_number", _next_number), {"key": key}).scalar_one()
    width = max(4, len(str(number)))
    return f"{key}-{number:0{width}d}"


def _next_number(insert):
    counters = CaseCounter.__table__
    return (
        insert(counters)
        .values(key=bindparam("key"), last=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last": counters.c.last + 1})
        .returning(counters.c.last)
    )


_counters = CaseCounter.__table__
_FREE_SHARD = hot(
    select(_counters.c.key, _counters.c.last)
    .where(_counters.c.key.like(bindparam("pattern")))
    .order_by(_counters.c.last, _counters.c.key)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_LEAST_USED_SHARD = hot(
    select(_counters.c.key, _counters.c.last)
    .where(_counters.c.key.like(bindparam("pattern")))
    .order_by(_counters.c.last, _counters.c.key)
    .limit(1)
    .with_for_update()
)
_TAKE = hot(
    update(_counters).where(_counters.c.key == bindparam("shard")).values(last=_counters.c.last + 1)
    .returning(_counters.c.last)
)


def _sharded_number(session: Session, key: str) -> int:
    pattern = {"pattern": f"{key}#%"}
    row = execute(session, _FREE_SHARD, pattern).first()
    if row is None:
        # The day's first filing (make its shards), or every shard busy this instant (wait for one).
        execute(
            session,
            prepared(session, "cases.day_shards", _day_shards),
            [{"shard": f"{key}#{index:02d}"} for index in range(SHARDS)],
        )
        row = execute(session, _FREE_SHARD, pattern).first() or execute(session, _LEAST_USED_SHARD, pattern).first()
    shard_key = row.key
    taken = execute(session, _TAKE, {"shard": shard_key}).scalar_one()
    shard = int(shard_key.rsplit("#", 1)[1])
    return (taken - 1) * SHARDS + shard + 1


def _day_shards(insert):
    return insert(_counters).values(key=bindparam("shard"), last=0).on_conflict_do_nothing(index_elements=["key"])


# Filing is the busiest write: a case and its first event go in as two prepared statements, with none of
# the ORM's bookkeeping (nothing is loaded yet that it would have to keep in step).
_INSERT_CASE = hot(insert(Case.__table__).returning(Case.id))
_INSERT_EVENT = hot(insert(CaseEvent.__table__).returning(CaseEvent.id))


def insert_case(session: Session, fields: dict[str, Any]) -> int:
    """A new case from `fields` (columns of Case; the model's defaults fill the rest); returns its id."""
    return execute(session, _INSERT_CASE, with_defaults(Case.__table__, fields)).scalar_one()


def add_event(
    session: Session,
    case: Case | int,
    *,
    at: datetime,
    kind: str,
    actor: str,
    public: bool = False,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> int:
    """Append one line to a case's timeline; returns the event's id.

    A loaded case gets the event through the ORM, so its `events` (and `updated_at`) stay in step for
    whoever reads them later in the transaction; a case known only by its id (just filed) gets it as a
    prepared statement.
    """
    fields = {"at": at, "kind": kind, "actor": actor, "public": public, "text": text, "data": data or {},
              "from_status": from_status, "to_status": to_status}
    if isinstance(case, int):
        return execute(session, _INSERT_EVENT, with_defaults(CaseEvent.__table__, {"case_id": case, **fields})
                       ).scalar_one()
    event = CaseEvent(case=case, **fields)
    session.add(event)
    case.updated_at = at
    session.flush()
    return event.id


def follow(session: Session, case_id: int, channel: str, user_key: str, chat_key: str, since: datetime) -> None:
    """A citizen follows a case that is not their own (after a merge); following twice is once."""
    session.execute(
        upsert(session, CaseFollower.__table__)
        .values(case_id=case_id, channel=channel, user_key=user_key, chat_key=chat_key, since=since)
        .on_conflict_do_nothing(index_elements=["case_id", "channel", "user_key"])
    )


def case_by_number(session: Session, number: str, *, lock: bool = False) -> Case | None:
    statement = select(Case).where(Case.number == number.strip().upper())
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).one_or_none()


def record_staff_message(session: Session, case_id: int, channel: str, ref: str) -> None:
    """Where the staff card of a case was posted on a channel ("chat:message"), so it can be edited in place."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is not None:
        # A new dict: the JSON column notices a reassignment, not a change inside it.
        case.staff_messages = {**(case.staff_messages or {}), channel: ref}


def cases_of_citizen(session: Session, channel: str, user_key: str) -> Sequence[Case]:
    """The citizen's own cases and those they follow (after a merge), newest first."""
    followed = select(CaseFollower.case_id).where(CaseFollower.channel == channel, CaseFollower.user_key == user_key)
    return session.scalars(
        select(Case)
        .where(or_(and_(Case.channel == channel, Case.user_key == user_key), Case.id.in_(followed)))
        .order_by(Case.created_at.desc(), Case.id.desc())
    ).all()


def is_citizen_of(session: Session, case: Case, channel: str, user_key: str) -> bool:
    """The case's own citizen, or one who follows it."""
    if case.channel == channel and case.user_key == user_key:
        return True
    return session.scalar(
        select(CaseFollower.id).where(
            CaseFollower.case_id == case.id, CaseFollower.channel == channel, CaseFollower.user_key == user_key
        )
    ) is not None


def followers_of(session: Session, case: Case) -> Sequence[CaseFollower]:
    return session.scalars(select(CaseFollower).where(CaseFollower.case_id == case.id)).all()


def all_cases(session: Session, *, with_events: bool = False) -> Sequence[Case]:
    statement = select(Case).order_by(Case.created_at, Case.id)
    if with_events:
        statement = statement.options(selectinload(Case.events))
    return session.scalars(statement).all()
