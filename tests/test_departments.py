"""Departments that act: contact points kept sealed, 交办 handed over to each of them, 签收 and 退回 at the
same desk as every staff step."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.desks import act, case_of

from handlers.cases.actions import DEPARTMENT, SUPERVISOR, ActionRefused, Actor
from handlers.delivery.payloads import opened
from handlers.departments.contacts import ContactRefused, list_contacts, set_contacts, unset_contact
from handlers.departments.handover import handover_message
from handlers.departments.workflow import accept, hand_back
from storage.models import DepartmentContact, OutboxMessage

HEALTH = "市卫生健康委员会"
TRANSPORT = "市交通运输局"
ROBOT_KEY = "693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"
ROBOT_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"
HEALTH_CHAT = "-1009876543210"
STAFF = Actor("telegram:501", "李娜")
CHIEF = Actor("cli:wang", "王主任", role=SUPERVISOR)
CLERK = Actor("telegram:801", "卫健委小陈", role=DEPARTMENT, department=HEALTH)




def rows(services, kind=None) -> list[OutboxMessage]:
    with services.db.reading() as session:
        found = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [row for row in found if kind is None or row.payload.get("kind") == kind]


def texts_to(services, target) -> list[str]:
    return [opened(services.cipher, row.payload)["text"] for row in rows(services)
            if row.target == target and row.payload.get("kind") in ("staff_text", "citizen_update")]


def reachable_health(services):
    set_contacts(services, HEALTH, {"wecom": ROBOT_URL, "telegram": HEALTH_CHAT, "email": "wjw@zz.gov.cn"})


# ---------------------------------------------------------------- contact points


def test_contact_points_are_sealed_and_only_shown_masked(services):
    shown = set_contacts(services, HEALTH, {"wecom": ROBOT_URL, "email": "wjw@zz.gov.cn"})
    assert shown == {"wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…",
                     "email": "wjw@zz.gov.cn"}
    with services.db.reading() as session:
        stored = session.scalars(select(DepartmentContact)).all()
    assert all(ROBOT_KEY not in f"{row.address_enc}{row.shown}{row.address_index}" for row in stored)
    listed = {entry["department"]: entry for entry in list_contacts(services)}
    assert set(listed) == set(services.taxonomy.department_names), "every department is listed, reached or not"
    assert listed[HEALTH]["contacts"]["wecom"].endswith("key=693a…")
    assert listed[TRANSPORT]["contacts"] == {}

    set_contacts(services, HEALTH, {"telegram": HEALTH_CHAT})
    assert set(next(e for e in list_contacts(services) if e["department"] == HEALTH)["contacts"]) == {
        "wecom", "email", "telegram"}, "setting one channel keeps the others"
    assert unset_contact(services, HEALTH, "email") is True
    assert unset_contact(services, HEALTH, "email") is False


@pytest.mark.parametrize("department, addresses, complaint", [
    ("不存在的局", {"email": "a@b.cn"}, "no department"),
    (HEALTH, {"wecom": "qyapi.weixin.qq.com/send?key=1"}, "webhook"),
    (HEALTH, {"telegram": "工作群"}, "chat id"),
    (HEALTH, {"email": "wjw at zz.gov.cn"}, "e-mail"),
])
def test_contact_points_that_cannot_be_are_refused(services, department, addresses, complaint):
    with pytest.raises(ContactRefused, match=complaint):
        set_contacts(services, department, addresses)
    assert all(not entry["contacts"] for entry in list_contacts(services))


# ---------------------------------------------------------------- handing over


def test_assign_hands_the_case_to_every_contact_point_of_the_department(citizen, services, clock):
    reachable_health(services)
    set_contacts(services, TRANSPORT, {"email": "jtj@zz.gov.cn"})
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    case = case_of(services, number)
    assert case.assigned_at == clock.now()
    assert case.accept_due == clock.now() + timedelta(minutes=30), "urgent: 30 minutes to accept"
    handovers = rows(services, "department_handover")
    assert {(row.channel, row.target) for row in handovers} == {
        ("dept-wecom", HEALTH), ("telegram", HEALTH_CHAT), ("dept-email", HEALTH)}
    assert all(row.priority < 0 and row.case_id == case.id for row in handovers), "urgent jumps the queue"
    assert all(ROBOT_KEY not in str(row.payload) for row in rows(services))


def test_a_department_without_contact_points_is_assigned_all_the_same(citizen, services):
    number = citizen.files("小区封控，想问问核酸检测点在哪里")
    act(services, number, lambda d, c: d.assign(c, TRANSPORT))
    case = case_of(services, number)
    assert case.status == "assigned" and case.accept_due == case.assigned_at + timedelta(hours=2)
    assert rows(services, "department_handover") == []


def test_the_handover_names_the_case_masks_the_contact_and_says_how_to_accept(citizen, services):
    reachable_health(services)
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    [by_robot] = [row for row in rows(services, "department_handover") if row.channel == "dept-wecom"]
    handover = handover_message(services, by_robot.payload, by_robot.case_id, "wecom")
    lines = handover.text.splitlines()
    assert lines[0] == f"🔴 紧急 【交办】{number}"
    assert "139****5678" in handover.text and "13912345678" not in handover.text
    assert "张*" in handover.text and "血液透析" in handover.text
    assert "签收时限：01-10 10:30" in handover.text
    assert lines[-1] == services.taxonomy.texts.departments.how_elsewhere
    assert handover.subject.startswith(f"【紧急交办】{number}")
    in_chat = handover_message(services, by_robot.payload, by_robot.case_id, "telegram")
    assert "签收" in in_chat.text.splitlines()[-1]

    online = dataclasses.replace(services, settings=services.settings.model_copy(
        update={"public_url": "https://yibang.example.org/"}))
    linked = handover_message(online, by_robot.payload, by_robot.case_id, "email")
    assert linked.text.splitlines()[-1] == f"签收或退回：https://yibang.example.org/staff/cases/{number}"

    act(services, number, lambda d, c: hand_back(d, c, "不属于本部门"), actor=CLERK)
    assert handover_message(services, by_robot.payload, by_robot.case_id, "wecom") is None, \
        "a handover handed back before it went out is not sent"


# ---------------------------------------------------------------- 签收


def test_the_department_accepts_and_the_citizen_is_told(citizen, services, clock):
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=12)
    said = act(services, number, accept, actor=CLERK)
    assert number in said
    case = case_of(services, number)
    assert case.status == "in_progress" and case.accepted_at == clock.now()
    event = case.events[-1]
    assert (event.kind, event.actor, event.public, event.at) == ("accepted", "telegram:801/卫健委小陈", True, clock.now())
    assert event.text == f"{HEALTH}已签收（卫健委小陈）" and event.data["on_time"] is True
    assert texts_to(services, "chat-u1")[-1] == f"【{number}】{HEALTH}已签收您的求助，正在办理。"
    with pytest.raises(ActionRefused, match="已由市卫生健康委员会于 01-10 10:12 签收"):
        act(services, number, accept, actor=CHIEF)


def test_acceptance_is_for_the_department_holding_the_case_or_a_supervisor(citizen, services):
    number = citizen.files()
    with pytest.raises(ActionRefused, match="没有交办"):
        act(services, number, accept, actor=CHIEF)
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    with pytest.raises(ActionRefused, match="不是本部门"):
        act(services, number, accept, actor=dataclasses.replace(CLERK, department=TRANSPORT))
    with pytest.raises(ActionRefused):
        act(services, number, accept, actor=STAFF)
    assert case_of(services, number).status == "assigned"
    act(services, number, accept, actor=CHIEF)
    assert case_of(services, number).events[-1].actor == "cli:wang/王主任"


def test_a_case_staff_already_moved_on_is_accepted_without_a_change_of_state(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    act(services, number, lambda d, c: d.note(c, "已联系社区"))
    act(services, number, accept, actor=CLERK)
    case = case_of(services, number)
    assert case.status == "in_progress" and case.accepted_at is not None
    assert case.events[-1].kind == "accepted" and case.events[-1].to_status is None


# ---------------------------------------------------------------- 退回


def test_a_return_goes_back_to_the_queue_with_the_reason_and_staff_are_told(citizen, services, clock):
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    with pytest.raises(ActionRefused, match="说明原因"):
        act(services, number, lambda d, c: hand_back(d, c, "  "), actor=CLERK)
    act(services, number, lambda d, c: hand_back(d, c, "属于区疫情防控指挥部"), actor=CLERK)
    case = case_of(services, number)
    assert (case.status, case.department, case.returns, case.accept_due) == ("received", None, 1, None)
    event = case.events[-1]
    assert (event.kind, event.public, event.data["reason"]) == ("returned", False, "属于区疫情防控指挥部")
    assert f"↩️ {number} 被{HEALTH}退回：属于区疫情防控指挥部" in texts_to(services, "staff")[-1]
    assert all("退回" not in text for text in texts_to(services, "chat-u1")), "the citizen is not bothered"


def test_after_two_returns_a_supervisor_decides(citizen, services):
    number = citizen.files()
    for department in (HEALTH, TRANSPORT):
        act(services, number, lambda d, c, dept=department: d.assign(c, dept))
        act(services, number, lambda d, c: hand_back(d, c, "不是我们的"), actor=CHIEF)
    assert "请主管决定" in texts_to(services, "staff")[-1]
    with pytest.raises(ActionRefused, match="须由主管决定"):
        act(services, number, lambda d, c: d.assign(c, HEALTH))
    act(services, number, lambda d, c: d.assign(c, HEALTH), actor=CHIEF)
    with pytest.raises(ActionRefused, match="不能再退回"):
        act(services, number, lambda d, c: hand_back(d, c, "还是不是我们的"), actor=CLERK)
    assert case_of(services, number).status == "assigned"
