"""A whole day of traffic with logging at DEBUG, then a search for every citizen's name and phone number
in clear: in the logs, in the staff group's messages, in the ledger exported without reveal, and in the
database files themselves (SQLite's WAL included). The citizens' own chats may show them their own
details; nothing else may."""

from __future__ import annotations

import io
import logging

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from support.telegram_world import STAFF_CHAT

from bot.export import write_ledger
from bot.logs import configure_logging
from bot.sweeps import run_sweeps
from handlers.cases.actions import Actor, CaseDesk
from handlers.privacy.erasure import erase_citizen
from handlers.reports.ledger import LedgerFilter, ledger_rows, select_cases

SURNAMES = ["欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫", "尉迟", "长孙"]
GIVEN = ["娜娜", "青衫", "明月", "晓风", "若水"]
PEOPLE = [(SURNAMES[i % 10] + GIVEN[i % 5] + "女士", f"1370001{i:04d}") for i in range(12)]
PROBLEMS = [
    "我母亲每周二四六做血液透析，小区封控了出不去，明天就要透析",
    "小区封控三天了，家里没有菜了，附近超市也关门了",
    "健康码突然变成黄码，核酸都是阴性，怎么转绿",
    "我老婆怀孕39周，羊水破了，小区封着出不去",
]
STAFF = Actor("telegram:501", "值班员")


@pytest.fixture
def debug_log():
    """Logging as `YIBANG_LOG_LEVEL=DEBUG` sets it up, captured."""
    configure_logging("DEBUG")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    yield captured
    logging.getLogger().removeHandler(handler)
    configure_logging("INFO")


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def database_text(services, tmp_path) -> str:
    """Every byte the database keeps, as text to search."""
    if services.db.is_sqlite:
        services.db.dispose()
        files = sorted(tmp_path.glob("yibang.sqlite3*"))
        assert any(path.name.endswith("-wal") for path in files) or files
        return b"".join(path.read_bytes() for path in files).decode("utf-8", errors="replace")
    with services.db.engine.connect() as connection:
        tables = [row[0] for row in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))]
        return " ".join(str(row) for table in tables for row in connection.execute(text(f'SELECT * FROM "{table}"')))


def test_a_day_of_traffic_leaves_no_name_or_phone_in_clear(telegram, tmp_path, debug_log):
    services, clock, api = telegram.services, telegram.clock, telegram.api
    numbers = []
    for index, (name, phone) in enumerate(PEOPLE):
        citizen = telegram.citizen(7000 + index)
        if index == 3:
            # The summary (name and phone) cannot be sent at first: it waits in the outbox, sealed.
            for answer in ("/start", PROBLEMS[0], "2", name, phone):
                citizen.says(answer)
            api.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 5",
                          retry_after=5, chat_id=citizen.id)
            assert citizen.says("金水区") == []
            telegram.deliver()  # not yet: the chat waits its 5 seconds
            clock.advance(seconds=6)
            telegram.deliver()
            assert phone in api.texts(citizen.id)[-1]
            numbers.append(citizen.says("确认")[0]["text"].split("编号 ", 1)[1].split("。", 1)[0])
        else:
            numbers.append(citizen.files(problem=PROBLEMS[index % len(PROBLEMS)], name=name, phone=phone))
        citizen.says("查看进度")
        clock.advance(minutes=7)
    telegram.deliver()

    act(services, numbers[0], lambda d, c: d.contacted(c))
    act(services, numbers[0], lambda d, c: d.assign(c, "市卫生健康委员会"))
    act(services, numbers[0], lambda d, c: d.note(c, "已联系社区安排车辆"))
    act(services, numbers[0], lambda d, c: d.resolve(c, "已送医透析"))
    act(services, numbers[1], lambda d, c: d.merge(c, numbers[5]))
    act(services, numbers[2], lambda d, c: d.reject(c, "重复提交"))
    act(services, numbers[4], lambda d, c: d.note(c, "核实中", internal=True))
    telegram.deliver()

    for _ in range(8):  # hourly: reminders, escalations, the revisit, the 17:00 report
        clock.advance(hours=1)
        run_sweeps(services, clock.now())
        telegram.deliver()
    telegram.citizen(7000).says("未解决")
    telegram.citizen(7000).says("车一直没来")
    clock.advance(minutes=5)
    telegram.deliver()
    erase_citizen(services, case_number=numbers[6])
    clock.advance(seconds=5)
    telegram.deliver()

    workbook = tmp_path / "ledger.xlsx"
    with services.db.reading() as session:
        write_ledger(workbook, ledger_rows(services, select_cases(session, services, LedgerFilter()), reveal=False),
                     services.taxonomy)
    exported = " ".join(str(cell.value) for sheet in load_workbook(workbook) for row in sheet.iter_rows()
                        for cell in row if cell.value is not None)

    reports = api.photos(STAFF_CHAT)
    assert reports and reports[0]["photo"][:8] == b"\x89PNG\r\n\x1a\n", "the daily chart went as a photo"
    group = " ".join(api.texts(STAFF_CHAT) + [photo.get("caption", "") for photo in reports])
    logs = debug_log.getvalue()
    stored = database_text(services, tmp_path)
    assert "【新求助】" in group and "日报" in group and "超时" in group, "the day really happened"
    assert numbers[0] in exported and "DEBUG" in logs
    for name, phone in PEOPLE:
        for place, content in (("logs", logs), ("staff group", group), ("export", exported),
                               ("database", stored)):
            assert phone not in content, f"{phone} in clear in the {place}"
            assert name not in content, f"{name} in clear in the {place}"
    assert "137****0000" in exported, "the data is there, masked"
