"""Staff at their desk in a story: a step on a case in a transaction of its own, and the case read back."""

from __future__ import annotations

from sqlalchemy import select

from handlers.cases.actions import Actor, CaseDesk, Step
from handlers.services import Services
from storage.models import Case

STAFF = Actor("telegram:501", "李娜")


def act(services: Services, number: str, step: Step, actor: Actor = STAFF) -> str:
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, actor, services.clock.now())
        return step(desk, desk.case(number))


def case_of(services: Services, number: str) -> Case:
    """The case with its timeline loaded."""
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case
