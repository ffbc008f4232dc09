"""合并相似求助: a whole group of similar cases merged into its representative in one step.

Each other open case of the group is merged through the desk's own 合并 (its citizen is told, follows the
representative from then on and so gets every update, the result and the revisit in their own chat).
"""

from __future__ import annotations

from handlers.cases.actions import ActionRefused, CaseDesk
from handlers.cases.similar import group_of
from storage.models import Case


def merge_group(desk: CaseDesk, case: Case) -> str:
    """Merge every other open case of `case`'s group into the group's representative (its oldest open case)."""
    texts = desk.services.taxonomy.texts.similar
    group = group_of(desk.session, case.id)
    representative = group.representative
    if representative is None or group.size < 2:
        raise ActionRefused(texts.staff_none.format(number=case.number))
    merged = 0
    for member in group.members[1:]:
        desk.merge(desk.case(member.number), representative.number)
        merged += 1
    return texts.staff_merged.format(count=merged, into=representative.number)
