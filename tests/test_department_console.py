"""签收 and 退回 on the console's case page: for the department's own accounts and for supervisors; a
department's account sees its own cases alone, and a case it handed back is no longer its to see."""

from __future__ import annotations

import re

from sqlalchemy import select
from support.console_world import make_account
from support.desks import case_of

from handlers.cases.actions import SUPERVISOR
from handlers.delivery.payloads import opened
from storage.models import OutboxMessage

HEALTH = "市卫生健康委员会"
COMMERCE = "市商务局"


def buttons(page: str) -> list[str]:
    return re.findall(r'action="/staff/cases/[^/"]+/([a-z]+)"', page)


def step(browser, number: str, name: str, data: dict[str, str] | None = None):
    """A step's form on the case page, sent as the page drew it (with its form id: each is done once)."""
    page = browser.get(f"/staff/cases/{number}").text
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    return browser.post(f"/staff/cases/{number}/{name}", {"form_id": form_id, **(data or {})})


def told_citizen(services) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.target == "chat-u1")
                               .order_by(OutboxMessage.id)).all()
        return [opened(services.cipher, row.payload)["text"] for row in rows
                if row.payload.get("kind") == "citizen_update"]


def assigned_by_supervisor(services, browser, number, department=HEALTH):
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("wang")
    step(browser, number, "assign", {"department": department})
    assert "accept" in buttons(browser.page) and "return" in buttons(browser.page), "supervisors may too"
    browser.post("/staff/logout")


def test_the_department_accepts_on_the_case_page_and_the_citizen_is_told(services, browser, citizen, clock):
    number = citizen.files()
    assigned_by_supervisor(services, browser, number)
    make_account(services, "chen", name="卫健委小陈", department=HEALTH)
    browser.log_in("chen")
    page = browser.get(f"/staff/cases/{number}").text
    assert buttons(page) == ["accept", "contacted", "note", "resolve", "return"]
    assert "签收" in page and "13912345678" not in page
    done = browser.post(f"/staff/cases/{number}/accept")
    assert done.url.path == f"/staff/cases/{number}" and "已签收" in done.text
    case = case_of(services, number)
    assert case.status == "in_progress" and case.accepted_at == clock.now()
    assert (case.events[-1].kind, case.events[-1].actor) == ("accepted", "web:chen/卫健委小陈")
    assert told_citizen(services)[-1] == f"【{number}】{HEALTH}已签收您的求助，正在办理。"
    assert buttons(browser.page) == ["contacted", "note", "resolve", "return"], "accepted once"


def test_other_departments_and_plain_handlers_cannot_accept(services, browser, citizen):
    number = citizen.files()
    assigned_by_supervisor(services, browser, number)
    make_account(services, "zhao", name="商务局小赵", department=COMMERCE)
    browser.log_in("zhao")
    assert browser.get(f"/staff/cases/{number}").status_code == 404
    browser.get("/staff/")
    assert browser.post(f"/staff/cases/{number}/accept").status_code == 404
    browser.post("/staff/logout")

    make_account(services, "li", name="李娜")
    browser.log_in("li")
    page = browser.get(f"/staff/cases/{number}").text
    assert "accept" not in buttons(page) and "return" not in buttons(page)
    assert browser.post(f"/staff/cases/{number}/accept").status_code == 409
    assert case_of(services, number).status == "assigned"


def test_a_department_hands_a_case_back_with_its_reason_and_no_longer_sees_it(services, browser, citizen):
    number = citizen.files()
    assigned_by_supervisor(services, browser, number)
    make_account(services, "chen", name="卫健委小陈", department=HEALTH)
    browser.log_in("chen")
    browser.get(f"/staff/cases/{number}")
    refused = browser.post(f"/staff/cases/{number}/return", {"text": "  "})
    assert refused.status_code == 409 and "说明原因" in refused.text
    done = browser.post(f"/staff/cases/{number}/return", {"text": "应由金水区疫情防控指挥部办理"})
    assert done.url.path == "/staff/" and number not in done.text, "handed back: no longer this department's"
    assert browser.get(f"/staff/cases/{number}").status_code == 404
    case = case_of(services, number)
    assert (case.status, case.department, case.returns) == ("received", None, 1)
    assert (case.events[-1].kind, case.events[-1].data["reason"]) == ("returned", "应由金水区疫情防控指挥部办理")


class Scope:
    def __init__(self, role: str, department: str | None):
        self.role, self.department = role, department


def test_the_dashboard_has_each_departments_figures_and_a_department_its_own(services, browser, citizen,
                                                                             neighbour, clock):
    from handlers.console.dashboard import dashboard, parse_range

    first, second = citizen.files(), neighbour.files("小区封控三天了，家里没有菜了，能不能帮忙买点菜")
    assigned_by_supervisor(services, browser, first)
    browser.log_in("wang")
    step(browser, second, "assign", {"department": COMMERCE})
    step(browser, first, "accept")
    page = browser.get("/staff/dashboard").text
    assert "各部门" in page and "按时签收" in page
    assert re.search(rf"<th>{HEALTH}</th><td>1</td><td>1/1</td><td>0/0</td><td>0</td><td>—</td>", page)

    start, end = parse_range(services, None, None)
    everyone = dashboard(services, Scope(SUPERVISOR, None), start, end).departments
    assert [(each.department, each.handed, each.accepted_on_time) for each in everyone] == [
        (HEALTH, 1, 1), (COMMERCE, 1, 0)], "in the taxonomy's order"
    own = dashboard(services, Scope("handler", COMMERCE), start, end).departments
    assert [each.department for each in own] == [COMMERCE]
