"""Similar cases in the console: a case page's group (and the step that merges it), the queue's one row per
group, the dashboard's hot spots. The groups themselves are handlers.cases.similar's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from handlers.cases import similar
from handlers.console.scope import Scoped, sees_case
from handlers.services import Services
from handlers.wording import duration, status_label
from storage import similar as index
from storage.models import Case

# 合并相似求助 from a case page: the desks that see every case, as 合并 itself
MERGE_SIMILAR = "merge_similar"
HOT_SPOTS = 10


@dataclass(frozen=True)
class GroupMember:
    number: str
    status_label: str
    received: datetime  # local time


@dataclass(frozen=True)
class GroupView:
    """A case's group as its page shows it: the open cases, oldest (the representative) first."""

    members: list[GroupMember]
    places: str

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def representative(self) -> str:
        return self.members[0].number


@dataclass(frozen=True)
class HotSpotView:
    places: str
    district: str | None
    count: int
    age: str
    representative: str


def group_view(session: Session, services: Services, case: Case) -> GroupView | None:
    """The case's group when it has other open cases; None otherwise."""
    group = similar.group_of(session, case.id)
    if group.size < 2:
        return None
    texts = services.taxonomy.texts
    members = [GroupMember(member.number, status_label(services.taxonomy, member.status),
                           services.local(member.created_at)) for member in group.members]
    return GroupView(members, texts.list_separator.join(group.places) or texts.similar.report_no_place)


def one_row_per_group(statement: Select, account: Scoped) -> Select:
    """The queue of open cases with each group of similar cases as its representative's row alone. A
    department's account sees its own cases one by one: their group's first case may be another's."""
    if account.department is not None:
        return statement
    return statement.where(~index.has_older_open_member(similar.OPEN_STATUSES))


def group_counts(session: Session, case_ids: list[int]) -> dict[int, int]:
    """For each case of a queue page, the open cases of its group, where there are two or more."""
    return {case_id: size for case_id, size in similar.group_sizes(session, case_ids).items() if size >= 2}


def hot_spots(services: Services, account: Scoped) -> list[HotSpotView]:
    """The largest open groups (place, district, size, age, representative) for the dashboard; a
    department's account sees those whose representative is its own."""
    texts = services.taxonomy.texts
    now = services.clock.now()
    with services.db.reading() as session:
        spots = similar.hot_spots(session, limit=HOT_SPOTS)
        departments = _departments(session, [spot.representative for spot in spots])
    return [
        HotSpotView(texts.list_separator.join(spot.places) or texts.similar.report_no_place, spot.district,
                    spot.count, duration(services.taxonomy, similar.age(now - spot.oldest)), spot.representative)
        for spot in spots if sees_case(account, departments.get(spot.representative))
    ]


def _departments(session: Session, numbers: list[str]) -> dict[str, str | None]:
    if not numbers:
        return {}
    return dict(session.execute(select(Case.number, Case.department).where(Case.number.in_(numbers))).all())
