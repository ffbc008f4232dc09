"""Similar cases: which open cases tell the same problem at the same place, and the groups they form.

Every case is indexed when it is filed (storage.similar): its terms (classifier.similarity), its rare terms
as keys, and its group — the group of the most similar live case at or above the threshold, or a group of
its own. A group's representative is its oldest open case; staff see the group's size on the case card,
can list a case's similar cases best first (`case similar`) and merge a whole group into the
representative in one step (`merge_group`), after which each merged citizen follows the representative.

Only cases of the same district are ever compared; closed cases stay candidates for a week
(`RECENTLY_CLOSED`), so a problem told again just after it was solved is still seen as the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from classifier.similarity import Features
from handlers.cases.states import OPEN, Status
from handlers.services import Services
from storage import similar as index
from storage.encryption import redact_identifiers
from storage.models import Case

RECENTLY_CLOSED = timedelta(days=7)
# Closed without being about anything (merged away, withdrawn, invalid): never someone's similar case.
NOT_CANDIDATES = (Status.MERGED.value, Status.WITHDRAWN.value, Status.INVALID.value)
OPEN_STATUSES = tuple(status.value for status in OPEN)


@dataclass(frozen=True)
class Match:
    """A similar case and how alike it is (0 to 1)."""

    case_id: int
    number: str
    score: float
    status: str
    district: str | None
    group_id: int
    created_at: datetime

    def view(self) -> dict[str, object]:
        return {"number": self.number, "score": round(self.score, 3), "status": self.status,
                "district": self.district}


def find(session: Session, services: Services, features: Features, *, district: str | None, now: datetime,
         exclude: int | None = None, threshold: float | None = None) -> list[Match]:
    """The live cases of `district` at least `threshold` alike (the configured one by default), best first."""
    model = services.similarity
    limit = model.config.threshold if threshold is None else threshold
    keys = [term for term in features.terms() if model.is_key(term)]
    found = index.candidates(session, district=district, keys=keys, exclude=exclude, open_statuses=OPEN_STATUSES,
                             closed_since=now - RECENTLY_CLOSED, excluded=NOT_CANDIDATES)
    matches = []
    for candidate in found:
        score = model.score_terms(features, candidate.terms)
        if score >= limit:
            matches.append(Match(candidate.case_id, candidate.number, score, candidate.status, candidate.district,
                                 candidate.group_id, candidate.created_at))
    matches.sort(key=lambda match: (-match.score, match.created_at, match.case_id))
    return matches


def index_case(session: Session, services: Services, case_id: int, *, district: str | None, problem: str,
               created_at: datetime) -> int:
    """Put a case into the index, in the group of its most similar live case; returns the group id."""
    # identifiers (phones, ID and card numbers) are no terms: they match nobody and are kept nowhere else
    features = services.similarity.features(redact_identifiers(problem))
    matches = find(session, services, features, district=district, now=created_at, exclude=case_id)
    group_id = matches[0].group_id if matches else case_id
    model = services.similarity
    terms = features.terms()
    index.add(session, case_id, district=district, group_id=group_id, terms=terms,
              keys=[term for term in terms if model.is_key(term)], places=features.places, created_at=created_at)
    return group_id


def similar_to(session: Session, services: Services, case: Case, now: datetime) -> list[Match]:
    """`case similar`: the cases like this one, best first, never itself."""
    document = index.document(session, case.id)
    features = (Features.from_terms(document.terms) if document is not None
                else services.similarity.features(case.problem))
    return find(session, services, features, district=case.district, now=now, exclude=case.id)


@dataclass(frozen=True)
class Group:
    """A case's group: its open cases, oldest (the representative) first."""

    members: list[index.Indexed]
    places: list[str]

    @property
    def representative(self) -> index.Indexed | None:
        return self.members[0] if self.members else None

    @property
    def size(self) -> int:
        return len(self.members)


def group_of(session: Session, case_id: int) -> Group:
    """The open cases of the group `case_id` is in (empty when it is not indexed)."""
    document = index.document(session, case_id)
    if document is None:
        return Group([], [])
    return Group(index.group_members(session, document.group_id, OPEN_STATUSES), [str(p) for p in document.places])


def group_sizes(session: Session, case_ids: list[int]) -> dict[int, int]:
    """For each case, how many open cases its group holds (cases not indexed are left out)."""
    documents = {case_id: index.document(session, case_id) for case_id in case_ids}
    sizes = index.open_group_sizes(session, [d.group_id for d in documents.values() if d], OPEN_STATUSES)
    return {case_id: sizes.get(d.group_id, 0) for case_id, d in documents.items() if d}


def forget(session: Session, case_id: int) -> None:
    """Out of the index: its words are erased (handlers.privacy)."""
    index.remove(session, case_id)


def reindex(services: Services, *, batch: int = 500) -> int:
    """Index the cases filed before the index existed, oldest first; returns how many."""
    done = 0
    while True:
        with services.db.transaction() as session:
            cases = index.unindexed_cases(session, batch)
            for case in cases:
                index_case(session, services, case.id, district=case.district, problem=case.problem,
                           created_at=case.created_at)
        done += len(cases)
        if len(cases) < batch:
            return done


def similar_cases(services: Services, number: str) -> list[dict[str, object]] | None:
    """`case similar NUMBER`: the similar cases as plain data, best first; None when there is no such case."""
    from storage.cases import case_by_number

    with services.db.reading() as session:
        case = case_by_number(session, number)
        if case is None:
            return None
        return [match.view() for match in similar_to(session, services, case, services.clock.now())]


@dataclass(frozen=True)
class HotSpot:
    """One of the largest open groups: where, how many, since when, and its representative."""

    places: list[str]
    district: str | None
    count: int
    oldest: datetime
    representative: str


def hot_spots(session: Session, *, limit: int = 5) -> list[HotSpot]:
    """The open groups with the most cases (two or more), largest first: what a command centre sees first."""
    spots = []
    for group_id, count, oldest in index.largest_groups(session, OPEN_STATUSES, limit=limit):
        members = index.group_members(session, group_id, OPEN_STATUSES)
        if not members:
            continue
        first = members[0]
        places = next((member.places for member in members if member.places), [])
        spots.append(HotSpot([str(place) for place in places], first.district, count, oldest, first.number))
    return spots


def age(span: timedelta) -> timedelta:
    """An age as people say it: whole days from two days on, else whole hours (at least one)."""
    if span >= timedelta(days=2):
        return timedelta(days=span.days)
    return timedelta(hours=max(1, int(span.total_seconds() // 3600)))
