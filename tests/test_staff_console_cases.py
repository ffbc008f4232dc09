"""A case worked from the console: every step through the same desk as the Telegram group, on the same
timeline with the person's name; stale pages, forged forms and other departments' cases change nothing."""

from __future__ import annotations

import re

from sqlalchemy import select
from support.console_world import make_account

from handlers.cases.actions import SUPERVISOR
from handlers.delivery.payloads import opened
from storage.models import Case, OutboxMessage

COMMERCE = "市商务局"
HEALTH = "市卫生健康委员会"
VEGETABLES = "小区封控三天了，家里没有菜了，能不能帮忙买点菜"


def case_of(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def told_citizen(services, chat="chat-u1") -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.target == chat)
                               .order_by(OutboxMessage.id)).all()
        return [opened(services.cipher, row.payload)["text"] for row in rows
                if row.payload.get("kind") == "citizen_update"]


def buttons(page: str) -> list[str]:
    return re.findall(r'action="/staff/cases/[^/"]+/([a-z]+)"', page)


def test_a_supervisor_works_a_case_from_contact_to_result(services, browser, citizen):
    number = citizen.files()
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("wang")
    page = browser.get(f"/staff/cases/{number}").text
    assert "139****5678" in page and "13912345678" not in page
    assert "张**" in page and "张女士" not in page
    assert buttons(page) == ["contacted", "phone", "assign", "note", "resolve", "reject", "merge", "category",
                             "urgency"]
    assert "血液透析" in page and "透析" in page

    done = browser.post(f"/staff/cases/{number}/contacted")
    assert done.url.path == f"/staff/cases/{number}" and "已联系" in done.text
    browser.post(f"/staff/cases/{number}/assign", {"department": HEALTH})
    assert case_of(services, number).status == "assigned"
    browser.post(f"/staff/cases/{number}/note", {"text": "已联系社区，今晚安排车辆"})
    assert case_of(services, number).status == "in_progress"
    browser.post(f"/staff/cases/{number}/resolve", {"text": "社区已安排专车送医透析"})
    case = case_of(services, number)
    assert case.status == "resolved" and case.result == "社区已安排专车送医透析"
    assert [(e.kind, e.actor) for e in case.events][1:] == [
        ("contacted", "web:wang/王主任"), ("assigned", "web:wang/王主任"), ("note", "web:wang/王主任"),
        ("resolved", "web:wang/王主任")]
    assert told_citizen(services)[-2:] == [
        f"【{number}】办理进展：已联系社区，今晚安排车辆",
        f"【{number}】已办结：社区已安排专车送医透析\n如问题仍未解决，请回复“查看进度 {number}”或重新求助。"]
    page = browser.page
    assert "王主任" in page and "社区已安排专车送医透析" in page
    assert buttons(page) == ["contacted", "phone", "note", "reopen", "category", "urgency"]


def test_a_stale_page_is_refused_with_the_groups_words(services, browser, citizen):
    number = citizen.files()
    make_account(services, "wang")
    browser.log_in("wang")
    browser.get(f"/staff/cases/{number}")
    stale = browser.csrf()
    form_id = re.search(r'name="form_id" value="([^"]+)"', browser.page).group(1)
    citizen.answer(f"撤回 {number}")
    refused = browser.post(f"/staff/cases/{number}/resolve", {"text": "已解决", "csrf": stale, "form_id": form_id})
    assert refused.status_code == 409
    assert f"{number} 当前状态为已撤回，不能进行“办结”。" in refused.text
    assert "不能进行“交办”" in browser.post(f"/staff/cases/{number}/assign", {
        "department": HEALTH, "csrf": stale, "form_id": form_id}).text
    assert f"{number} 当前状态为已撤回，不能联系。" in browser.post(f"/staff/cases/{number}/contacted", {
        "csrf": stale, "form_id": form_id}).text
    case = case_of(services, number)
    assert case.status == "withdrawn" and case.result is None and case.contacted_at is None


def test_a_form_sent_twice_is_done_once(services, browser, citizen):
    number = citizen.files()
    make_account(services, "wang")
    browser.log_in("wang")
    browser.get(f"/staff/cases/{number}")
    form = {"text": "已联系社区", "csrf": browser.csrf(),
            "form_id": re.search(r'name="form_id" value="([^"]+)"', browser.page).group(1)}
    browser.post(f"/staff/cases/{number}/note", form)
    again = browser.post(f"/staff/cases/{number}/note", form)
    assert "已经提交过" in again.text
    assert [e.kind for e in case_of(services, number).events].count("note") == 1


def test_a_forged_form_changes_nothing(services, browser, citizen):
    number = citizen.files()
    make_account(services, "wang")
    browser.log_in("wang")
    browser.get(f"/staff/cases/{number}")
    forged = browser.post(f"/staff/cases/{number}/resolve", {"text": "已解决", "csrf": "guess"})
    assert forged.status_code == 403
    cross_site = browser.post(f"/staff/cases/{number}/resolve", {"text": "已解决"},
                              headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert case_of(services, number).status == "received"


def test_handlers_see_phones_masked_and_supervisors_reveal_them_on_the_record(services, browser, another_browser,
                                                                               citizen):
    number = citizen.files()
    make_account(services, "li", name="李娜")
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("li")
    page = browser.get(f"/staff/cases/{number}").text
    assert "phone" not in buttons(page) and "13912345678" not in page
    refused = browser.post(f"/staff/cases/{number}/phone")
    assert refused.status_code == 409 and "13912345678" not in refused.text

    another_browser.log_in("wang")
    another_browser.get(f"/staff/cases/{number}")
    shown = another_browser.post(f"/staff/cases/{number}/phone")
    assert "完整电话：13912345678" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    events = case_of(services, number).events
    assert [(e.kind, e.actor) for e in events if e.kind == "phone_revealed"] == [("phone_revealed", "web:wang/王主任")]
    assert "13912345678" not in another_browser.get(f"/staff/cases/{number}").text


def test_a_department_sees_only_its_cases_and_answers_404_for_the_rest(services, browser, citizen, neighbour):
    ours = neighbour.files(VEGETABLES)
    theirs = citizen.files()
    make_account(services, "wang", SUPERVISOR)
    make_account(services, "shang", name="商务局小赵", department=COMMERCE)
    browser.log_in("wang")
    browser.get(f"/staff/cases/{ours}")
    browser.post(f"/staff/cases/{ours}/assign", {"department": COMMERCE})
    browser.post("/staff/logout")

    browser.log_in("shang")
    page = browser.get(f"/staff/cases/{ours}").text
    assert buttons(page) == ["accept", "contacted", "note", "resolve", "return"]
    for path in (f"/staff/cases/{theirs}", "/staff/cases/ZZ20990101-0001"):
        missing = browser.get(path)
        assert missing.status_code == 404 and "没有找到" in missing.text and "张" not in missing.text
    browser.get(f"/staff/cases/{ours}")
    assert browser.post(f"/staff/cases/{theirs}/resolve", {"text": "已解决"}).status_code == 404
    browser.get(f"/staff/cases/{ours}")
    refused = browser.post(f"/staff/cases/{ours}/assign", {"department": HEALTH})
    assert refused.status_code == 409 and case_of(services, ours).department == COMMERCE
    browser.get(f"/staff/cases/{ours}")
    browser.post(f"/staff/cases/{ours}/resolve", {"text": "已送菜上门"})
    case = case_of(services, ours)
    assert case.status == "resolved" and case.events[-1].actor == "web:shang/商务局小赵"
    assert case_of(services, theirs).status == "received"


def test_correcting_the_classifier_is_recorded(services, browser, neighbour):
    number = neighbour.files(VEGETABLES)
    make_account(services, "wang")
    browser.log_in("wang")
    browser.get(f"/staff/cases/{number}")
    browser.post(f"/staff/cases/{number}/urgency", {"urgency": "urgent"})
    browser.post(f"/staff/cases/{number}/category", {"category": "寻医买药"})
    case = case_of(services, number)
    assert case.urgent and case.category == "寻医买药"
    assert [e.kind for e in case.events][-2:] == ["urgency_changed", "recategorised"]
