"""Similar cases in the staff console: a group is one row of the queue with its count, the case page lists
the group and merges it in one step, the dashboard shows the largest open groups."""

from __future__ import annotations

from support.console_world import make_account
from test_similar import HEATING, file_all
from test_staff_actions import load

from handlers.cases.actions import SUPERVISOR


def test_the_queue_shows_a_group_as_one_row_with_its_count(services, browser):
    numbers = file_all(services, HEATING)
    other = file_all(services, ["二七区长江路铁路家属院垃圾站满了，封控以后环卫车就没来过"], district="二七区")[0]
    make_account(services, "wang")
    browser.log_in("wang")
    page = browser.get("/staff/").text
    assert numbers[0] in page and numbers[1] not in page and numbers[2] not in page and other in page
    assert "相似 3 件" in page and "共 2 件" in page
    assert numbers[2] in browser.get(f"/staff/?q={numbers[2][-4:]}").text, "a search shows every case"


def test_the_case_page_lists_the_group_and_merges_it(services, browser):
    numbers = file_all(services, HEATING)
    make_account(services, "wang", SUPERVISOR)
    browser.log_in("wang")
    page = browser.get(f"/staff/cases/{numbers[1]}").text
    assert f"相似求助 3 件（最早 {numbers[0]}）" in page and all(number in page for number in numbers)
    assert "阳光花园" in page and "合并相似求助（3 件）" in page
    browser.post(f"/staff/cases/{numbers[1]}/merge_similar")
    assert [load(services, number).status for number in numbers] == ["received", "merged", "merged"]
    assert "相似求助" not in browser.get(f"/staff/cases/{numbers[0]}").text


def test_a_department_account_cannot_merge_a_group(services, browser):
    from test_staff_actions import act

    numbers = file_all(services, HEATING[:2])
    for number in numbers:
        act(services, number, lambda d, c: d.assign(c, "市商务局"))
    make_account(services, "zhu", department="市商务局")
    browser.log_in("zhu")
    page = browser.get(f"/staff/cases/{numbers[1]}").text
    assert "相似求助 2 件" in page and "合并相似求助" not in page
    browser.get("/staff/")
    refused = browser.post(f"/staff/cases/{numbers[1]}/merge_similar")
    assert refused.status_code in (403, 409) and load(services, numbers[1]).status == "assigned"


def test_the_dashboard_lists_the_hot_spots(services, browser):
    numbers = file_all(services, HEATING)
    make_account(services, "wang")
    browser.log_in("wang")
    page = browser.get("/staff/dashboard").text
    assert "相似求助热点" in page and "阳光花园（金水区）3 件" in page and numbers[0] in page
