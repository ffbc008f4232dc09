"""1-3-7-1-0: staff are reminded before a deadline and escalated to when it passes — once, however
often the sweep runs and however many processes run it."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import select
from support.world import at

from handlers.cases.actions import Actor, CaseDesk
from handlers.timers.deadlines import sweep_deadlines
from storage.models import Case, OutboxMessage

STAFF = Actor("telegram:501", "李娜")
PLAIN = "请问现在离开郑州需要什么条件，高铁还能坐吗"  # 交通出行, 一般: contact 1 h, solved 7 h
URGENT = "我母亲每周二四六做血液透析，小区封控了出不去"  # 寻医买药, 紧急: contact 1 h, solved 3 h
COMMAND_CENTRE = -1001234567


@pytest.fixture(autouse=True)
def filed_at_ten_sharp(citizen, neighbour):
    """The story's times are exact: the citizens' typing takes no time on the clock."""
    citizen.pause = neighbour.pause = 0


def with_command_centre(services):
    settings = services.settings.model_copy(update={"command_centre_chat_id": COMMAND_CENTRE})
    return dataclasses.replace(services, settings=settings)


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def sweep(services, when):
    services.clock.set(at(when))
    return sweep_deadlines(services, services.clock.now())


def rows(services, channel):
    with services.db.reading() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        ).all()


def staff_texts(services) -> list[str]:
    return [row.payload["text"] for row in rows(services, "log") if row.payload["kind"] == "staff_text"]


def load(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def test_an_untouched_case_reminds_staff_before_the_hour_and_is_overdue_at_eleven(citizen, services):
    services = with_command_centre(services)
    number = citizen.files(problem=PLAIN)

    assert dataclasses.astuple(sweep(services, "2022-01-10 10:44")) == (0, 0)
    assert staff_texts(services) == []

    assert dataclasses.astuple(sweep(services, "2022-01-10 10:45")) == (1, 0)
    [reminder] = staff_texts(services)
    assert reminder.startswith(f"⏰ 提醒：{number}（一般·交通出行·金水区）联系时限还剩15分钟")
    assert load(services, number).overdue_at is None

    assert dataclasses.astuple(sweep(services, "2022-01-10 10:59")) == (0, 0)
    assert dataclasses.astuple(sweep(services, "2022-01-10 11:00")) == (0, 1)
    escalation = staff_texts(services)[-1]
    assert escalation.startswith(f"🚨🚨【超时】{number}") and "联系时限已于 01-10 11:00 到期" in escalation
    [centre] = rows(services, "telegram")
    assert centre.target == str(COMMAND_CENTRE) and "【督办】" in centre.payload["text"]

    case = load(services, number)
    assert case.overdue_at == at("2022-01-10 11:00")
    assert case.alerts == ["contact:remind", "contact:overdue"]
    overdue = [event for event in case.events if event.kind == "overdue"]
    assert [(e.actor, e.public, e.data["deadline"]) for e in overdue] == [("system", False, "contact")]


def test_without_a_command_centre_only_the_staff_group_hears(citizen, services):
    citizen.files(problem=PLAIN)
    sweep(services, "2022-01-10 11:00")
    assert rows(services, "telegram") == []
    assert any("【超时】" in text for text in staff_texts(services))


def test_an_urgent_case_is_reminded_sooner_and_escalates_at_one_if_unsolved(citizen, services, clock):
    services = with_command_centre(services)
    number = citizen.files(problem=URGENT)
    clock.set(at("2022-01-10 10:20"))
    act(services, number, lambda desk, case: desk.contacted(case))

    assert dataclasses.astuple(sweep(services, "2022-01-10 12:29")) == (0, 0)
    assert dataclasses.astuple(sweep(services, "2022-01-10 12:30")) == (1, 0)
    assert "办结时限还剩30分钟" in staff_texts(services)[-1]
    assert dataclasses.astuple(sweep(services, "2022-01-10 13:00")) == (0, 1)
    escalation = staff_texts(services)[-1]
    assert f"【超时】{number}（紧急·寻医买药·金水区）办结时限已于 01-10 13:00 到期" in escalation
    assert "透析" in escalation
    assert len(rows(services, "telegram")) == 1
    # contacted in time: no contact alarm at any point
    assert load(services, number).alerts == ["resolve:remind", "resolve:overdue"]


def test_a_reminder_is_not_sent_late_after_an_outage(citizen, services):
    number = citizen.files(problem=PLAIN)
    assert dataclasses.astuple(sweep(services, "2022-01-10 11:05")) == (0, 1)
    assert load(services, number).alerts == ["contact:overdue"]
    assert not any("提醒" in text for text in staff_texts(services))


def test_a_solved_case_raises_nothing_and_feedback_is_escalated_a_day_on(citizen, neighbour, services, clock):
    solved = citizen.files(problem=PLAIN)
    forgotten = neighbour.files(problem=PLAIN, name="王先生", phone="13800138000")
    clock.set(at("2022-01-10 10:30"))
    act(services, solved, lambda desk, case: desk.contacted(case))
    act(services, solved, lambda desk, case: desk.resolve(case, "已告知出行政策"))

    sweep(services, "2022-01-11 10:00")
    assert load(services, solved).alerts == []
    assert load(services, forgotten).alerts == ["contact:overdue", "resolve:overdue", "feedback:overdue"]
    assert "反馈时限已于 01-11 10:00 到期" in staff_texts(services)[-1]


def test_sweeps_run_twice_or_at_once_raise_each_alarm_once(citizen, neighbour, services):
    services = with_command_centre(services)
    citizen.files(problem=URGENT)
    neighbour.files(problem=PLAIN, name="王先生", phone="13800138000")
    services.clock.set(at("2022-01-10 13:30"))

    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep_deadlines(services, services.clock.now())))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = sweep_deadlines(services, services.clock.now())

    # urgent: contact and resolve overdue; plain: contact overdue, its resolve reminder not yet due (16:45)
    assert sum(result.escalated for result in results) == 3 and again.escalated == 0
    texts = staff_texts(services)
    assert len(texts) == len(set(texts)) == 3
    assert len(rows(services, "telegram")) == 3
    with services.db.reading() as session:
        alerts = sorted(tuple(case.alerts) for case in session.scalars(select(Case)))
    assert alerts == [("contact:overdue",), ("contact:overdue", "resolve:overdue")]


def test_a_lower_urgency_moves_the_deadline_and_its_alarms(citizen, services, clock):
    number = citizen.files(problem=URGENT)
    clock.set(at("2022-01-10 10:10"))
    act(services, number, lambda desk, case: desk.contacted(case))
    act(services, number, lambda desk, case: desk.set_urgency(case, urgent=False))
    # 一般 now: solved within 7 h (17:00), reminded 15 minutes before
    assert dataclasses.astuple(sweep(services, "2022-01-10 13:00")) == (0, 0)
    assert dataclasses.astuple(sweep(services, "2022-01-10 16:45")) == (1, 0)
