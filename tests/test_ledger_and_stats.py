"""The day's figures and the ledger export, as the command centre and a staff office read them."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from bot.export import display_width, write_ledger
from handlers.cases.actions import Actor, CaseDesk
from handlers.reports.ledger import (
    COLUMNS,
    LedgerFilter,
    ledger_rows,
    read_ledger,
    record_export_with_phones,
    select_cases,
)
from handlers.reports.statistics import day_stats
from storage.models import Case, CaseEvent

STAFF = Actor("telegram:501", "李娜")


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def test_day_stats_count_intake_closed_urgent_and_overdue(citizen, neighbour, services, clock):
    neighbour.pause = 0  # so the minutes below add up exactly
    urgent = citizen.files()  # 透析: urgent, 寻医买药
    clock.advance(minutes=5)
    plain = neighbour.files(problem="请问现在离开郑州需要什么条件，高铁还能坐吗", name="王先生", phone="13800138000")
    clock.advance(minutes=20)
    act(services, urgent, lambda d, c: d.contacted(c))
    clock.advance(minutes=40)
    act(services, urgent, lambda d, c: d.resolve(c, "已安排"))
    clock.advance(hours=8)  # the plain case's 7 h passes unsolved
    with services.db.reading() as session:
        figures = day_stats(session, services, date(2022, 1, 10))
    assert figures.intake == 2 and figures.urgent_intake == 1
    assert figures.intake_by_category["寻医买药"] == 1 and figures.intake_by_category["交通出行"] == 1
    assert figures.closed == 1 and figures.urgent_closed == 1
    assert figures.overdue == 1 and figures.contact_overdue == 1
    assert figures.average_minutes_to_contact == 25.0
    assert figures.average_minutes_to_solve == 65.0
    assert plain.startswith("ZZ")


def test_export_has_sheets_frozen_filtered_header_and_masked_phones(citizen, services, tmp_path):
    number = citizen.files(phone="13912345678")
    act(services, number, lambda d, c: d.assign(c, "市卫生健康委员会"))
    path = tmp_path / "ledger.xlsx"
    with services.db.reading() as session:
        cases = select_cases(session, services, LedgerFilter())
        written = write_ledger(path, ledger_rows(services, cases, reveal=False), services.taxonomy)
    assert written == 1
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["台账", "统计"]
    ledger = workbook["台账"]
    header = [cell.value for cell in ledger[1]]
    assert header == [
        "编号", "受理时间", "渠道", "区县", "类别", "紧急程度", "状态", "承办部门", "联系人", "联系电话", "问题描述",
        "联系时限", "联系时间", "联系按时", "办结时限", "办结时间", "办结按时", "反馈时限", "办理结果", "满意度", "合并到",
        "附件",
    ]
    assert len(header) == len(COLUMNS)
    assert ledger.freeze_panes == "A2"
    assert ledger.auto_filter.ref == "A1:V2"
    row = {title: cell.value for title, cell in zip(header, ledger[2], strict=True)}
    assert row["编号"] == number and row["联系电话"] == "139****5678" and row["联系人"] == "张**"
    assert row["承办部门"] == "市卫生健康委员会" and row["状态"] == "已交办"
    assert row["附件"] == 0
    assert ledger.column_dimensions["K"].width >= display_width("问题描述")
    counts = {r[0].value: r[1].value for r in workbook["统计"].iter_rows(min_row=2) if r and r[0].value}
    assert counts["寻医买药"] == 1 and counts["合计"] == 1


def test_export_with_phones_is_recorded_on_each_case(citizen, services, tmp_path):
    number = citizen.files(phone="13912345678")
    ledger = read_ledger(services, LedgerFilter(), reveal=True)
    record_export_with_phones(services, ledger.case_ids, "cli:alice")
    assert "13912345678" in ledger.rows[0]
    with services.db.reading() as session:
        events = session.scalars(select(CaseEvent).where(CaseEvent.kind == "exported_with_phone")).all()
        case = session.scalars(select(Case)).one()
    assert [e.actor for e in events] == ["cli:alice"] and case.number == number


def test_export_filters_by_day_status_and_category(citizen, neighbour, services, clock):
    first = citizen.files()
    clock.advance(days=1)
    neighbour.files(problem="请问现在离开郑州需要什么条件，高铁还能坐吗", name="王先生", phone="13800138000")
    with services.db.reading() as session:
        assert [c.number for c in select_cases(session, services, LedgerFilter(end=date(2022, 1, 10)))] == [first]
        assert len(select_cases(session, services, LedgerFilter(start=date(2022, 1, 11)))) == 1
        assert [c.number for c in select_cases(session, services, LedgerFilter(categories=["寻医买药"]))] == [first]
        assert select_cases(session, services, LedgerFilter(statuses=["resolved"])) == []
