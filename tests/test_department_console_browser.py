"""A department's clerk in a real browser (headless chromium): the case handed to the department is in its
queue, 签收 on the case page takes it (the citizen is told), and the dashboard has the department's line.
Screenshots are left in the test's tmp folder."""

from __future__ import annotations

import pytest
from support.console_browser import DESKTOP
from support.console_world import PASSWORD, make_account
from support.desks import act, case_of

from handlers.cases.actions import SUPERVISOR, Actor

pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")

HEALTH = "市卫生健康委员会"
CHIEF = Actor("cli:admin", "", SUPERVISOR)


def press(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    press(page, "登录")


def test_the_clerk_accepts_in_the_browser_and_the_dashboard_counts_it(services, chromium, live_console,
                                                                      screenshots, citizen):
    number = citizen.files()
    act(services, number, lambda desk, case: desk.assign(case, HEALTH), actor=CHIEF)
    make_account(services, "chen", name="卫健委小陈", department=HEALTH)
    page = chromium.new_page(viewport=DESKTOP)
    log_in(page, live_console, "chen")
    assert page.locator("table.queue tbody td.number").all_inner_texts() == [number]
    page.goto(f"{live_console}/staff/cases/{number}")
    assert page.get_by_role("button", name="退回").count() == 1
    page.screenshot(path=screenshots / "department-case.png", full_page=True)
    press(page, "签收")
    assert case_of(services, number).status == "in_progress"
    assert "已签收（卫健委小陈）" in page.inner_text(".timeline")
    assert page.get_by_role("button", name="签收").count() == 0

    page.goto(f"{live_console}/staff/dashboard")
    table = page.locator("section.departments table").inner_text()
    assert HEALTH in table and "1/1" in table
    page.screenshot(path=screenshots / "department-dashboard.png", full_page=True)
    page.close()
