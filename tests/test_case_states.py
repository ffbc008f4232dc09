"""The case state machine: the transition table of docs/architecture.md (Cases), exactly, and its refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.cases.states import FINAL, OPEN, TRANSITIONS, IllegalTransition, Status, allowed
from handlers.cases.timeline import change_status
from handlers.delivery.payloads import opened
from storage.models import Case, OutboxMessage

S = Status
EXPECTED = {
    S.RECEIVED: {S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.MERGED, S.INVALID, S.WITHDRAWN},
    # back to 已受理: handed back by the department (退回)
    S.ASSIGNED: {S.IN_PROGRESS, S.RESOLVED, S.ASSIGNED, S.MERGED, S.INVALID, S.WITHDRAWN, S.RECEIVED},
    S.IN_PROGRESS: {S.RESOLVED, S.ASSIGNED, S.MERGED, S.WITHDRAWN, S.RECEIVED},
    S.RESOLVED: {S.REVISITED, S.CLOSED, S.IN_PROGRESS},
    S.REVISITED: {S.CLOSED, S.IN_PROGRESS},
}


def test_the_table_is_the_design():
    for status in Status:
        assert set(TRANSITIONS[status]) == EXPECTED.get(status, set()), status
    assert FINAL == {S.MERGED, S.WITHDRAWN, S.INVALID, S.CLOSED}
    assert OPEN == {S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("wanted", list(Status))
def test_allowed_matches_the_table(current, wanted):
    assert allowed(current, wanted) == (wanted in EXPECTED.get(current, set()))


def test_refused_transition_changes_nothing(citizen, services):
    number = citizen.files()
    with services.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        change_status(session, case, S.WITHDRAWN, kind="withdrawn", actor="citizen", at=services.clock.now(),
                      public=True)
    with pytest.raises(IllegalTransition) as refused:
        with services.db.transaction() as session:
            case = session.scalars(select(Case).where(Case.number == number)).one()
            change_status(session, case, S.RESOLVED, kind="resolved", actor="staff:1", at=services.clock.now(),
                          public=True, text="已办结")
    assert refused.value.current is S.WITHDRAWN and refused.value.wanted is S.RESOLVED
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        assert case.status == "withdrawn"
        assert [event.kind for event in case.events] == ["received", "withdrawn"]


def test_public_change_by_staff_is_queued_for_the_citizen(citizen, services):
    number = citizen.files()
    with services.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        change_status(session, case, S.ASSIGNED, kind="assigned", actor="staff:1", at=services.clock.now(),
                      public=True, text="已交办给 市卫生健康委员会", notify_citizen="已交办给 市卫生健康委员会",
                      cipher=services.cipher)
    with services.db.reading() as session:
        pushes = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "console")).all()
    assert [opened(services.cipher, push.payload)["text"] for push in pushes] == ["已交办给 市卫生健康委员会"]
    assert "已交办" not in str(pushes[0].payload), "sealed in the outbox"
    assert pushes[0].target == "chat-u1"


def test_reopening_clears_resolution(citizen, services):
    number = citizen.files()
    now = services.clock.now()
    with services.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        change_status(session, case, S.RESOLVED, kind="resolved", actor="staff:1", at=now, public=True)
        assert case.resolved_at == now
        change_status(session, case, S.IN_PROGRESS, kind="reopened", actor="citizen", at=now, public=True)
        assert case.resolved_at is None and case.status == "in_progress"
