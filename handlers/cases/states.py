"""The case state machine: the allowed transitions as data, enforced in one place.

列单—交单—办单—清单: received, handed over, worked, cleared. Every change is a timeline event with its
actor and time; nothing else in the code assigns `case.status`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"  # 已受理
    ASSIGNED = "assigned"  # 已交办
    IN_PROGRESS = "in_progress"  # 办理中
    RESOLVED = "resolved"  # 已办结
    REVISITED = "revisited"  # 已回访
    CLOSED = "closed"  # 已销号
    MERGED = "merged"  # 已合并
    WITHDRAWN = "withdrawn"  # 已撤回
    INVALID = "invalid"  # 无效


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.MERGED, S.INVALID, S.WITHDRAWN}),
    # back to 已受理: the department handed the case back (退回), to be assigned again
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.ASSIGNED, S.MERGED, S.INVALID, S.WITHDRAWN, S.RECEIVED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.ASSIGNED, S.MERGED, S.WITHDRAWN, S.RECEIVED}),
    S.RESOLVED: frozenset({S.REVISITED, S.CLOSED, S.IN_PROGRESS}),
    S.REVISITED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
    S.MERGED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.INVALID: frozenset(),
}

FINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
# Being worked on: the citizen's further messages are offered to these, deadlines run on these.
OPEN = frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS})


class IllegalTransition(Exception):
    def __init__(self, number: str, current: Status, wanted: Status):
        self.number = number
        self.current = current
        self.wanted = wanted
        super().__init__(f"{number}: cannot go from {current} to {wanted}")


def allowed(current: str, wanted: str) -> bool:
    return Status(wanted) in TRANSITIONS[Status(current)]


def next_steps(current: str) -> frozenset[Status]:
    return TRANSITIONS[Status(current)]
