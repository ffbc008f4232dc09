"""The similar-case index: each case's terms and group, and an inverted index of its rare terms.

A new case is compared only with the cases of its district that share one of its keys (a place, a named
problem, a rare word), found through `similar_keys`' index on (district, term): the cost grows with the
cases that share a key, not with every open case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from storage.models import Case, SimilarDocument, SimilarKey

# A district left empty is still a district of its own: such cases match only each other.
NO_DISTRICT = ""
# Candidates scored per new case, the most keys shared first; SHARED_READ times as many are counted in the
# index, so that closed cases among them (the index keeps every case) still leave enough live ones.
CANDIDATES = 100
SHARED_READ = 3
# A key held by more cases of the district than this (小区 in a city of compounds) finds too many to be a
# key: it still counts in the score, but candidates are looked up by the rarer keys. When every key is
# that common, the FALLBACK_KEYS rarest still are.
MAX_KEY_CASES = 1000
FALLBACK_KEYS = 3


@dataclass(frozen=True)
class Indexed:
    """A case in the index, with what the finder and the staff need of it."""

    case_id: int
    number: str
    status: str
    district: str | None
    created_at: datetime
    group_id: int
    terms: dict[str, float]
    places: list[Any]


def add(session: Session, case_id: int, *, district: str | None, group_id: int, terms: dict[str, float],
        keys: Iterable[str], places: Sequence[str], created_at: datetime) -> None:
    """Index a case (again: its earlier entry is replaced)."""
    remove(session, case_id)
    place = district or NO_DISTRICT
    session.execute(insert(SimilarDocument.__table__).values(
        case_id=case_id, district=place, group_id=group_id, terms=terms, places=list(places), created_at=created_at))
    rows = [{"case_id": case_id, "term": key[:64], "district": place} for key in dict.fromkeys(keys)]
    if rows:
        session.execute(insert(SimilarKey.__table__), rows)


def remove(session: Session, case_id: int) -> None:
    """Out of the index (its problem text was erased, or it is indexed anew)."""
    session.execute(delete(SimilarKey.__table__).where(SimilarKey.case_id == case_id))
    session.execute(delete(SimilarDocument.__table__).where(SimilarDocument.case_id == case_id))


def _indexed(statement) -> Any:
    return statement.add_columns(
        Case.id, Case.number, Case.status, Case.district, Case.created_at,
        SimilarDocument.group_id, SimilarDocument.terms, SimilarDocument.places,
    )


def _row(row: Any) -> Indexed:
    return Indexed(row.id, row.number, row.status, row.district, row.created_at, row.group_id, row.terms or {},
                   row.places or [])


def _live(open_statuses: Iterable[str], closed_since: datetime):
    """Open, or resolved or closed since the given time."""
    return or_(Case.status.in_(list(open_statuses)), Case.resolved_at >= closed_since, Case.closed_at >= closed_since)


def candidates(session: Session, *, district: str | None, keys: Sequence[str], exclude: int | None,
               open_statuses: Iterable[str], closed_since: datetime, excluded: Iterable[str],
               limit: int = CANDIDATES) -> list[Indexed]:
    """The live cases of the district sharing a key, most shared keys first (at most `limit`)."""
    place = district or NO_DISTRICT
    keys = list(dict.fromkeys(key[:64] for key in keys))
    if not keys:
        return []
    held = dict(session.execute(
        select(SimilarKey.term, func.count())
        .where(SimilarKey.district == place, SimilarKey.term.in_(keys))
        .group_by(SimilarKey.term)
    ).all())
    keys = [key for key in keys if 0 < held.get(key, 0) <= MAX_KEY_CASES] or sorted(held, key=held.get)[:FALLBACK_KEYS]
    if not keys:
        return []
    # Counted from the index alone (district, term, case_id); only the best-sharing cases are then read.
    shared = (
        select(SimilarKey.case_id, func.count().label("shared"))
        .where(SimilarKey.district == place, SimilarKey.term.in_(keys))
        .group_by(SimilarKey.case_id)
        .order_by(func.count().desc(), SimilarKey.case_id.desc())
        .limit(limit * SHARED_READ)
        .subquery()
    )
    statement = (_indexed(select().select_from(shared)
                          .join(Case, Case.id == shared.c.case_id)
                          .join(SimilarDocument, SimilarDocument.case_id == shared.c.case_id))
                 .where(_live(open_statuses, closed_since), Case.status.not_in(list(excluded)))
                 .order_by(shared.c.shared.desc(), shared.c.case_id.desc())
                 .limit(limit))
    if exclude is not None:
        statement = statement.where(Case.id != exclude)
    return [_row(row) for row in session.execute(statement)]


def document(session: Session, case_id: int) -> Indexed | None:
    statement = _indexed(select().select_from(Case).join(SimilarDocument, SimilarDocument.case_id == Case.id)
                         ).where(Case.id == case_id)
    row = session.execute(statement).first()
    return None if row is None else _row(row)


def group_members(session: Session, group_id: int, open_statuses: Iterable[str]) -> list[Indexed]:
    """The open cases of a group, oldest first (the first is its representative)."""
    statement = _indexed(select().select_from(SimilarDocument).join(Case, Case.id == SimilarDocument.case_id)
                         ).where(SimilarDocument.group_id == group_id, Case.status.in_(list(open_statuses))
                                 ).order_by(Case.created_at, Case.id)
    return [_row(row) for row in session.execute(statement)]


def open_group_sizes(session: Session, group_ids: Iterable[int], open_statuses: Iterable[str]) -> dict[int, int]:
    ids = list(set(group_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(SimilarDocument.group_id, func.count())
        .join(Case, Case.id == SimilarDocument.case_id)
        .where(SimilarDocument.group_id.in_(ids), Case.status.in_(list(open_statuses)))
        .group_by(SimilarDocument.group_id)
    )
    return {group_id: count for group_id, count in rows}


def largest_groups(session: Session, open_statuses: Iterable[str], *, limit: int, at_least: int = 2
                   ) -> list[tuple[int, int, datetime]]:
    """The groups with the most open cases: (group id, open cases, when the oldest was filed)."""
    rows = session.execute(
        select(SimilarDocument.group_id, func.count().label("size"), func.min(Case.created_at))
        .join(Case, Case.id == SimilarDocument.case_id)
        .where(Case.status.in_(list(open_statuses)))
        .group_by(SimilarDocument.group_id)
        .having(func.count() >= at_least)
        .order_by(func.count().desc(), func.min(Case.created_at))
        .limit(limit)
    )
    return [(group_id, size, oldest) for group_id, size, oldest in rows]


def has_older_open_member(open_statuses: Iterable[str]) -> Any:
    """A clause for a query over Case: another open case of its group came before it (so it is not the group's
    representative, and a list that shows a group once leaves it out)."""
    mine = SimilarDocument.__table__.alias("mine")
    theirs = SimilarDocument.__table__.alias("theirs")
    other = Case.__table__.alias("other")
    return (
        select(theirs.c.case_id)
        .select_from(mine.join(theirs, theirs.c.group_id == mine.c.group_id).join(other, other.c.id == theirs.c.case_id))
        .where(mine.c.case_id == Case.id, other.c.status.in_(list(open_statuses)),
               or_(other.c.created_at < Case.created_at,
                   and_(other.c.created_at == Case.created_at, other.c.id < Case.id)))
        .exists()
    )


def unindexed_cases(session: Session, limit: int) -> list[Case]:
    """Cases filed before the index existed (for `case reindex-similar`), oldest first."""
    indexed = select(SimilarDocument.case_id)
    return list(session.scalars(select(Case).where(Case.id.not_in(indexed)).order_by(Case.id).limit(limit)))
