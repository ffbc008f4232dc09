"""统计 in the console: today's and a chosen range's figures, the promises of 1-3-7-1-0 kept on time, the
revisit's satisfaction, charts drawn on the server, and the ledger of the queue's filter as Excel."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from support.console_world import make_account

from handlers.cases.actions import SUPERVISOR, Actor, act
from handlers.console.dashboard import dashboard, parse_range

VEGETABLES = "小区封控三天了，家里没有菜了，能不能帮忙买点菜"
ADMIN = Actor("cli:admin", "", SUPERVISOR)


class Everyone:
    role = SUPERVISOR
    department = None


class Commerce:
    role = "handler"
    department = "市商务局"


def a_morning(services, citizen, neighbour, clock):
    urgent = citizen.files()
    ordinary = neighbour.files(VEGETABLES)
    clock.advance(minutes=30)
    act(services, ADMIN, urgent, lambda desk, case: desk.contacted(case))
    act(services, ADMIN, ordinary, lambda desk, case: desk.assign(case, "市商务局"))
    clock.advance(minutes=30)
    act(services, ADMIN, urgent, lambda desk, case: desk.resolve(case, "已安排专车"))
    clock.advance(hours=1)  # 12:00: the ordinary case was never contacted within the hour
    return urgent, ordinary


def test_the_promises_kept_are_counted_once_due(services, citizen, neighbour, clock):
    a_morning(services, citizen, neighbour, clock)
    start, end = parse_range(services, None, None)
    board = dashboard(services, Everyone(), start, end)
    assert (board.today.intake, board.today.urgent, board.today.closed) == (2, 1, 1)
    assert board.open_now == 1 and board.overdue_now == 0
    rates = {rate.label: (rate.met, rate.due) for rate in board.chosen.promises}
    assert rates == {"1小时内联系": (1, 2), "紧急3小时内办结": (1, 1), "一般7小时内办结": (0, 0),
                     "1天内反馈结果": (1, 1), "全部清零": (0, 2)}
    assert board.chosen.by_category["寻医买药"] == 1 and board.chosen.by_category["食品供应"] == 1
    assert board.chosen.by_district == {"金水区": 2}
    clock.advance(hours=6)
    assert dashboard(services, Everyone(), start, end).overdue_now == 1


def test_a_department_counts_its_own_cases(services, citizen, neighbour, clock):
    a_morning(services, citizen, neighbour, clock)
    start, end = parse_range(services, None, None)
    board = dashboard(services, Commerce(), start, end)
    assert (board.today.intake, board.today.closed, board.open_now) == (1, 0, 1)
    assert sum(board.chosen.by_category.values()) == 1


def test_a_range_is_read_in_order_and_at_most_a_year(services):
    start, end = parse_range(services, "2022-01-20", "2022-01-01")
    assert (start.isoformat(), end.isoformat()) == ("2022-01-01", "2022-01-20")
    start, end = parse_range(services, "2019-01-01", "2022-01-10")
    assert start.isoformat() == "2021-01-09"
    assert parse_range(services, "nonsense", None)[0].isoformat() == "2022-01-10"


def test_the_dashboard_page_with_its_charts(services, browser, citizen, neighbour, clock):
    a_morning(services, citizen, neighbour, clock)
    make_account(services, "wang", SUPERVISOR)
    services.settings.staff_session_idle_minutes = 600
    browser.log_in("wang")
    page = browser.get("/staff/dashboard").text
    assert "1-3-7-1-0" in page and "50%（1/2）" in page and "100%（1/1）" in page
    for chart in ("promises", "category", "district"):
        drawn = browser.get(f"/staff/dashboard/{chart}.png?from=2022-01-10&to=2022-01-10")
        assert drawn.status_code == 200 and drawn.content.startswith(b"\x89PNG")
    assert browser.get("/staff/dashboard/secrets.png").status_code == 404


def test_the_ledger_of_the_current_filter(services, browser, citizen, neighbour, clock):
    urgent, ordinary = a_morning(services, citizen, neighbour, clock)
    make_account(services, "wang")
    services.settings.staff_session_idle_minutes = 600
    browser.log_in("wang")
    answer = browser.get("/staff/export.xlsx?status=all&urgency=urgent")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [urgent]
    assert "139****5678" in rows[1] and "13912345678" not in str(rows)
    everything = load_workbook(io.BytesIO(browser.get("/staff/export.xlsx?status=all").content)).worksheets[0]
    assert sorted(row[0] for row in list(everything.iter_rows(values_only=True))[1:]) == sorted([urgent, ordinary])
