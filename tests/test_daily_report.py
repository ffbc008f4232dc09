"""The daily report: the day's figures as the command centre reads them, a text and a bar chart, sent once
at 17:00 to the staff group (and the command centre)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import struct
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from support.citizens import Citizen
from support.world import at

from bot.dispatcher import Dispatcher, LogSender
from bot.sweeps import send_daily_report
from handlers.cases.actions import Actor, CaseDesk
from handlers.delivery.outbox import OutboxItem
from handlers.staff.notices import message_for_staff
from handlers.timers.deadlines import sweep_deadlines
from handlers.timers.revisits import sweep_revisits
from storage.models import Case, OutboxMessage

STAFF = Actor("telegram:501", "李娜")
DAY = date(2022, 1, 10)
COMMAND_CENTRE = -1001234567


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header, after checking it is one."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def report_rows(services) -> list[OutboxMessage]:
    with services.db.reading() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("report:"))).all()


@pytest.fixture
def busy_day(services, clock):
    """Four cases on 2022-01-10: one urgent solved and revisited, one untouched, two others."""
    people = [Citizen(services, user=f"u{n}", pause=0) for n in range(1, 5)]  # times exact to the minute
    urgent = people[0].files()  # 透析: 寻医买药, 紧急
    clock.set(at("2022-01-10 10:05"))
    people[1].files(problem="请问现在离开郑州需要什么条件，高铁还能坐吗", name="王先生", phone="13800138000")
    clock.set(at("2022-01-10 10:10"))
    food = people[2].files(problem="小区封控三天了，家里没有菜了，孩子还小", name="李女士", phone="13700137000")
    people[3].files(problem="我的健康码突然变成黄码了，昨天做的核酸是阴性", name="赵先生", phone="13600136000")
    clock.set(at("2022-01-10 10:20"))
    act(services, urgent, lambda desk, case: desk.contacted(case))
    clock.set(at("2022-01-10 10:50"))
    act(services, food, lambda desk, case: desk.contacted(case))
    clock.set(at("2022-01-10 11:00"))
    act(services, urgent, lambda desk, case: desk.resolve(case, "已安排专车"))
    sweep_revisits(services, at("2022-01-10 13:00"))
    clock.set(at("2022-01-10 13:10"))
    people[0].says("已解决")
    people[0].says("满意")
    clock.set(at("2022-01-10 15:00"))
    act(services, food, lambda desk, case: desk.resolve(case, "社区已送菜上门"))
    sweep_deadlines(services, at("2022-01-10 16:00"))
    clock.set(at("2022-01-10 17:00"))
    return services


def test_the_report_figures_match_the_database(busy_day):
    services = busy_day
    assert send_daily_report(services, services.clock.now())
    [row] = report_rows(services)
    assert row.channel == "log" and row.payload["kind"] == "staff_report"
    text = row.payload["text"]
    assert text == (
        "📊 郑在抗疫·应急求助平台 日报 2022-01-10\n"
        "今日受理：4 件（紧急 1 件）\n"
        "按类别：交通出行 1、寻医买药 1、食品供应 1、健康码问题 1\n"
        "今日办结：2 件（紧急 1 件）\n"
        "超时未办结：0 件（超时未联系 2 件）\n"
        "在办：2 件\n"
        "平均联系用时：30 分钟\n"
        "平均办结用时：175 分钟"
    )
    with services.db.reading() as session:
        cases = session.scalars(select(Case)).all()
    assert Counter(case.category for case in cases) == Counter({"交通出行": 1, "寻医买药": 1, "食品供应": 1, "健康码问题": 1})
    assert sum(case.status in ("resolved", "revisited", "closed") for case in cases) == 2
    assert sum(case.contacted_at is None and case.status in ("received", "assigned", "in_progress")
               for case in cases) == 2
    solve = [(case.resolved_at - case.created_at).total_seconds() / 60 for case in cases if case.resolved_at]
    assert sum(solve) / len(solve) == 175

    image = services.settings.data_dir / "reports" / "report-2022-01-10.png"
    assert row.payload["image"] == str(image)
    data = image.read_bytes()
    width, height = png_size(data)
    assert 900 <= width <= 2000 and 400 <= height <= 1200
    assert 20_000 < len(data) < 1_000_000


def test_it_is_sent_once_from_the_report_time_on(busy_day, clock):
    services = busy_day
    assert not send_daily_report(services, at("2022-01-10 16:59"))
    assert report_rows(services) == []
    assert send_daily_report(services, at("2022-01-10 17:00"))
    assert not send_daily_report(services, at("2022-01-10 17:01"))
    # a scheduler that was down at 17:00 sends it when it is back, still once
    assert not send_daily_report(services, at("2022-01-10 21:30"))
    assert len(report_rows(services)) == 1
    clock.set(at("2022-01-11 17:00"))
    assert send_daily_report(services, clock.now())
    assert sorted(row.dedupe_key for row in report_rows(services)) == [
        "report:2022-01-10:log:staff", "report:2022-01-11:log:staff"]


def test_the_command_centre_gets_it_too(busy_day):
    settings = busy_day.settings.model_copy(update={"command_centre_chat_id": COMMAND_CENTRE})
    services = dataclasses.replace(busy_day, settings=settings)
    send_daily_report(services, services.clock.now())
    assert sorted((row.channel, row.target) for row in report_rows(services)) == [
        ("log", "staff"), ("telegram", str(COMMAND_CENTRE))]


def test_every_sender_has_the_report_text_and_the_log_sender_logs_it(busy_day, caplog):
    services = busy_day
    send_daily_report(services, services.clock.now())
    [row] = report_rows(services)
    item = OutboxItem.of(row, services)
    assert message_for_staff(services, item) == (row.payload["text"], None)
    with caplog.at_level(logging.INFO, logger="yibang.staff"):
        asyncio.run(Dispatcher(services, [LogSender(services)]).run_once())
    assert any("日报 2022-01-10" in record.getMessage() for record in caplog.records)
    [row] = report_rows(services)
    assert row.status == "sent"
