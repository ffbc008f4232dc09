"""Departments chased by the injected clock: 催办 at the accept deadline, escalation at twice the time,
reminders before the resolve deadline once accepted — each once, afresh after a new 交办."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select
from support.desks import act as desk_act

from bot.sweeps import run_sweeps
from handlers.cases.actions import SUPERVISOR, Actor
from handlers.delivery.payloads import opened
from handlers.departments.contacts import set_contacts
from handlers.departments.handover import handover_message
from handlers.departments.workflow import accept
from handlers.timers.department_deadlines import sweep_department_deadlines
from storage.models import Case, OutboxMessage

HEALTH = "市卫生健康委员会"
HEALTH_CHAT = "-1009876543210"
CENTRE = -1002222
CHIEF = Actor("cli:wang", "王主任", role=SUPERVISOR)
act = partial(desk_act, actor=CHIEF)


@pytest.fixture
def centre(services):
    """The services with a command centre chat."""
    return dataclasses.replace(services, settings=services.settings.model_copy(
        update={"command_centre_chat_id": CENTRE}))



def rows_to(services, target) -> list[OutboxMessage]:
    with services.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.target == target)
                                    .order_by(OutboxMessage.id)))


def texts_to(services, target) -> list[str]:
    return [opened(services.cipher, row.payload)["text"] for row in rows_to(services, target)
            if row.payload.get("kind") == "staff_text"]


def events(services, number) -> list[tuple[str, str]]:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        return [(event.kind, event.text) for event in case.events]


def test_not_accepted_in_time_the_department_is_chased_then_staff_and_centre_are_told(citizen, centre, clock):
    services = centre
    set_contacts(services, HEALTH, {"telegram": HEALTH_CHAT})
    number = citizen.files()  # urgent: 30 minutes to accept
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=29)
    assert sweep_department_deadlines(services, clock.now()).chased == 0

    clock.advance(minutes=1)
    assert sweep_department_deadlines(services, clock.now()).chased == 1
    assert sweep_department_deadlines(services, clock.now()).chased == 0, "once"
    handover, chase = rows_to(services, HEALTH_CHAT)
    assert chase.payload["chase"] is True
    text = handover_message(services, chase.payload, chase.case_id, "telegram").text
    assert text.startswith("⏰【催办】交办已 30分钟，尚未签收") and f"【交办】{number}" in text
    assert ("chased", f"催办{HEALTH}：超过签收时限仍未签收") in events(services, number)
    assert not any("督办" in text for text in texts_to(services, "staff"))

    clock.advance(minutes=29)
    assert sweep_department_deadlines(services, clock.now()).escalated == 0
    clock.advance(minutes=1)
    assert sweep_department_deadlines(services, clock.now()).escalated == 1
    assert sweep_department_deadlines(services, clock.now()).escalated == 0, "once"
    [escalation] = [text for text in texts_to(services, "staff") if "督办" in text]
    assert escalation.startswith(f"🚨【督办】{number}（紧急·寻医买药·金水区）交办给{HEALTH}已 1小时，仍未签收")
    assert texts_to(services, str(CENTRE)) == [escalation]
    assert events(services, number)[-1][0] == "escalated"


def test_accepted_cases_are_not_chased_and_a_new_handover_starts_the_clock_afresh(citizen, services, clock):
    set_contacts(services, HEALTH, {"telegram": HEALTH_CHAT})
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=31)
    run_sweeps(services, clock.now())
    act(services, number, lambda d, c: d.assign(c, "市交通运输局"))
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=20)
    assert sweep_department_deadlines(services, clock.now()).chased == 0
    clock.advance(minutes=10)
    assert sweep_department_deadlines(services, clock.now()).chased == 1, "chased again for the new handover"
    act(services, number, accept)
    clock.advance(minutes=60)
    swept = sweep_department_deadlines(services, clock.now())
    assert (swept.chased, swept.escalated) == (0, 0)


def test_once_accepted_the_department_is_reminded_before_the_resolve_deadline(citizen, services, clock):
    set_contacts(services, HEALTH, {"telegram": HEALTH_CHAT, "email": "wjw@zz.gov.cn"})
    number = citizen.files()  # urgent: resolve within 3 h, reminded 30 minutes before
    filed = clock.now()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=5)
    act(services, number, accept)
    clock.set(filed + timedelta(hours=2, minutes=29))
    assert sweep_department_deadlines(services, clock.now()).reminded == 0
    clock.set(filed + timedelta(hours=2, minutes=30))
    assert run_sweeps(services, clock.now())["department_deadlines"]["reminded"] == 1
    assert sweep_department_deadlines(services, clock.now()).reminded == 0, "once"
    [reminder] = texts_to(services, HEALTH_CHAT)
    assert reminder == f"⏰【提醒】{number}（紧急·寻医买药）办结时限还剩30分钟，01-10 13:00 到期，请按时办结并反馈。"
    assert [row.channel for row in rows_to(services, HEALTH) if row.payload["kind"] == "staff_text"] == ["dept-email"]
