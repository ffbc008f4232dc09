"""The staff console in a real browser (headless chromium): a shift leader logs in, finds the urgent case
at the top of the queue, hands it over, answers the citizen and closes it; a department sees its own
case alone; a page on another site cannot make the browser act; an idle session ends. Screenshots of
each page at 1366×768 and at a phone's size are left in the test's tmp folder."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from support.console_browser import DESKTOP, PHONE
from support.console_world import PASSWORD, make_account

from handlers.cases.actions import SUPERVISOR, Actor, act
from storage.models import Case

expect = pytest.importorskip("playwright.sync_api", reason="python playwright is not installed").expect

VEGETABLES = "小区封控三天了，家里没有菜了，能不能帮忙买点菜"
COMMERCE = "市商务局"
HEALTH = "市卫生健康委员会"


def status_of(services, number: str) -> str:
    with services.db.reading() as session:
        return session.query(Case).filter(Case.number == number).one().status


def press(page, button: str) -> None:
    """Press a form's button and wait for the page it leads to (the step is done by then)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def log_in(page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    press(page, "登录")


def test_a_shift_leader_works_the_urgent_case_from_the_queue(services, chromium, live_console, screenshots,
                                                             citizen, neighbour, clock):
    ordinary = neighbour.files(VEGETABLES)
    clock.advance(minutes=3)
    urgent = citizen.files()
    make_account(services, "wang", SUPERVISOR, name="王主任")
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()

    page.goto(f"{live_console}/staff/")
    assert page.url.startswith(f"{live_console}/staff/login")
    page.screenshot(path=screenshots / "login-desktop.png")
    log_in(page, live_console, "wang", "wrong password")
    assert page.get_by_role("alert").inner_text() == "用户名或密码不正确。"
    log_in(page, live_console, "wang")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td.number").inner_text() == urgent
    assert "紧急" in rows.nth(0).inner_text() and ordinary in rows.nth(1).inner_text()
    page.screenshot(path=screenshots / "queue-desktop.png", full_page=True)

    with page.expect_navigation():
        page.get_by_role("link", name=urgent).click()
    assert page.url.endswith(f"/staff/cases/{urgent}")
    assert "139****5678" in page.inner_text("body") and "13912345678" not in page.content()
    page.screenshot(path=screenshots / "case-desktop.png", full_page=True)

    press(page, "已联系")
    page.select_option("select[name=department]", HEALTH)
    press(page, "交办")
    assert page.get_by_role("status").inner_text().endswith("交办。") or "交办" in page.get_by_role("status").inner_text()
    assert status_of(services, urgent) == "assigned"
    page.get_by_label("回复").fill("已联系社区，今晚安排车辆送医")
    press(page, "回复")
    assert status_of(services, urgent) == "in_progress"
    page.get_by_label("办结").fill("社区已安排专车送医透析")
    press(page, "办结")
    assert status_of(services, urgent) == "resolved"
    timeline = page.locator("ol.timeline").inner_text()
    assert "王主任" in timeline and "社区已安排专车送医透析" in timeline
    page.screenshot(path=screenshots / "case-resolved-desktop.png", full_page=True)

    press(page, "查看电话")
    assert "完整电话：13912345678" in page.inner_text("body")

    with page.expect_navigation():
        page.get_by_role("link", name="统计").click()
    assert "1-3-7-1-0" in page.inner_text("body")
    page.wait_for_load_state("networkidle")  # the charts are drawn
    page.screenshot(path=screenshots / "dashboard-desktop.png", full_page=True)

    phone = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                 device_scale_factor=2)
    small = phone.new_page()
    log_in(small, live_console, "wang")
    small.screenshot(path=screenshots / "queue-phone.png", full_page=True)
    small.goto(f"{live_console}/staff/cases/{ordinary}")
    small.screenshot(path=screenshots / "case-phone.png", full_page=True)
    phone.close()
    context.close()


def test_the_queue_shows_a_new_urgent_case_without_reloading(services, chromium, live_console, citizen,
                                                             neighbour, clock):
    neighbour.files(VEGETABLES)
    make_account(services, "wang")
    page = chromium.new_page(viewport=DESKTOP)
    page.clock.install()
    log_in(page, live_console, "wang")
    assert page.locator("table.queue tbody tr").count() == 1
    urgent = citizen.files()
    page.clock.run_for(16_000)  # the queue asks for its rows every 15 seconds
    expect(page.locator("table.queue tbody tr")).to_have_count(2)  # waits from outside the page's clock
    assert page.locator("table.queue tbody tr").nth(0).locator("td.number").inner_text() == urgent
    page.close()


def test_a_department_account_sees_its_own_case_alone(services, chromium, live_console, citizen, neighbour):
    ours = neighbour.files(VEGETABLES)
    theirs = citizen.files()
    act(services, Actor("cli:admin", "", SUPERVISOR), ours, lambda desk, case: desk.assign(case, COMMERCE))
    make_account(services, "shang", name="小赵", department=COMMERCE)
    page = chromium.new_page(viewport=DESKTOP)
    log_in(page, live_console, "shang")
    assert page.locator("table.queue tbody td.number").all_inner_texts() == [ours]
    assert COMMERCE in page.locator(".who").inner_text()
    answer = page.goto(f"{live_console}/staff/cases/{theirs}")
    assert answer.status == 404 and "没有找到" in page.inner_text("body")
    page.goto(f"{live_console}/staff/cases/{ours}")
    assert page.get_by_role("button", name="交办").count() == 0
    page.get_by_label("办结").fill("已送菜上门")
    press(page, "办结")
    assert status_of(services, ours) == "resolved" and status_of(services, theirs) == "received"
    page.close()


class _Evil(BaseHTTPRequestHandler):
    """Another site, whose page makes the visitor's browser post a form to the console."""

    target = ""

    def do_GET(self):
        body = (f'<form id="f" method="post" action="{self.target}"><input name="text" value="forged">'
                '<input name="csrf" value="guess"></form><script>document.getElementById("f").submit()</script>')
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def evil_site():
    server = HTTPServer(("127.0.0.1", 0), _Evil)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" is another site than "127.0.0.1" to the browser: its cookies are not sent along
    yield f"http://localhost:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_page_on_another_site_cannot_make_the_browser_act(services, chromium, live_console, citizen, evil_site):
    number = citizen.files()
    make_account(services, "wang", SUPERVISOR)
    page = chromium.new_page(viewport=DESKTOP)
    log_in(page, live_console, "wang")
    _Evil.target = f"{live_console}/staff/cases/{number}/resolve"
    page.goto(evil_site)
    page.wait_for_load_state()
    page.wait_for_url(lambda url: "/staff/" in url)
    assert status_of(services, number) == "received"
    page.goto(f"{live_console}/staff/")
    assert number in page.inner_text("table.queue")  # still logged in, nothing done
    page.close()


def test_an_idle_session_sends_the_browser_back_to_the_login(services, chromium, live_console, citizen, clock,
                                                            screenshots):
    number = citizen.files()
    make_account(services, "wang")
    page = chromium.new_page(viewport=DESKTOP)
    log_in(page, live_console, "wang")
    page.goto(f"{live_console}/staff/cases/{number}")
    clock.advance(minutes=31)
    page.get_by_label("回复").fill("稍后联系")
    press(page, "回复")
    assert "/staff/login" in page.url and "登录已过期" in page.inner_text("body")
    page.screenshot(path=screenshots / "expired-desktop.png")
    log_in(page, live_console, "wang")
    assert status_of(services, number) == "received"
    page.close()
