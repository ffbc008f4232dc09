"""The staff console without a browser: logging in, the lockout, sessions that end, forged requests, the
queue as each kind of account sees it, and the authorisation rules as plain functions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient
from support.console_world import PASSWORD, Browser, make_account
from support.world import at

from handlers.cases.actions import HANDLER, SUPERVISOR, StaffStep, act
from handlers.console.accounts import current_account, log_in
from handlers.console.scope import CATEGORY, PHONE, URGENCY, may_take, sees_case, sees_phones
from handlers.staff.directory import remove_staff

DIALYSIS = "我母亲每周二四六做血液透析，小区封控了出不去"
VEGETABLES = "小区封控三天了，家里没有菜了，能不能帮忙买点菜"
HEALTH_BUREAU = "市卫生健康委员会"
COMMERCE = "市商务局"


@dataclass
class Account:
    role: str
    department: str | None = None


# ---------------------------------------------------------------- the rules, without a browser


def test_a_department_account_sees_only_the_cases_handed_to_its_department():
    desk = Account(HANDLER, HEALTH_BUREAU)
    assert sees_case(desk, HEALTH_BUREAU)
    assert not sees_case(desk, COMMERCE) and not sees_case(desk, None)
    assert sees_case(Account(HANDLER), None) and sees_case(Account(SUPERVISOR), COMMERCE)


def test_a_department_account_works_its_cases_but_hands_nothing_on():
    desk = Account(HANDLER, HEALTH_BUREAU)
    assert [step for step in StaffStep if may_take(desk, step)] == [
        StaffStep.CONTACTED, StaffStep.NOTE, StaffStep.RESOLVE]
    assert not may_take(desk, CATEGORY) and not may_take(desk, URGENCY)
    assert all(may_take(Account(HANDLER), step) for step in [*StaffStep, CATEGORY, URGENCY])


def test_only_supervisors_reveal_phones():
    assert may_take(Account(SUPERVISOR), PHONE) and sees_phones(Account(SUPERVISOR))
    assert may_take(Account(SUPERVISOR, HEALTH_BUREAU), PHONE)
    assert not may_take(Account(HANDLER), PHONE) and not sees_phones(Account(HANDLER))


# ---------------------------------------------------------------- logging in


def test_logging_in_opens_the_queue_with_a_cookie_scripts_cannot_read(services, browser, citizen):
    number = citizen.files()
    make_account(services, "wang", SUPERVISOR, name="王主任")
    assert browser.get("/staff/").url.path == "/staff/login"
    answer = browser.log_in("wang")
    assert answer.status_code == 200 and answer.url.path == "/staff/"
    assert number in answer.text and "王主任" in answer.text
    cookie = next(h for h in answer.history[0].headers.get_list("set-cookie") if h.startswith("yibang_staff="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie
    assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in answer.headers[
        "content-security-policy"]


def test_the_cookie_is_secure_when_served_over_https(services, console_app):
    services.settings.public_url = "https://yibang.example.org"
    make_account(services, "wang")
    with TestClient(console_app, base_url="https://yibang.example.org") as client:
        answer = Browser(client).log_in("wang")
    cookie = next(h for h in answer.history[0].headers.get_list("set-cookie") if h.startswith("yibang_staff="))
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_name_are_refused_alike(services, browser):
    make_account(services, "wang")
    wrong = browser.log_in("wang", "not the password")
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    unknown = browser.log_in("nobody", PASSWORD)
    assert unknown.status_code == 401 and "用户名或密码不正确" in unknown.text
    assert browser.get("/staff/").url.path == "/staff/login"


def test_five_failures_lock_the_account_for_fifteen_minutes(services, browser, clock):
    make_account(services, "wang")
    for _ in range(4):
        assert "用户名或密码不正确" in browser.log_in("wang", "guess").text
    locked = browser.log_in("wang", "guess")
    assert "已锁定" in locked.text and "15 分钟" in locked.text
    assert "已锁定" in browser.log_in("wang", PASSWORD).text  # even the right password, meanwhile
    clock.advance(minutes=14)
    assert "已锁定" in browser.log_in("wang", PASSWORD).text
    clock.advance(minutes=2)
    assert browser.log_in("wang", PASSWORD).url.path == "/staff/"


def test_the_lockout_follows_the_settings(services, clock):
    services.settings.staff_login_attempts = 2
    services.settings.staff_lockout_minutes = 60
    make_account(services, "wang")
    assert log_in(services, "wang", "guess").refusal == services.taxonomy.texts.console.login_failed
    assert "60" in log_in(services, "wang", "guess").refusal
    clock.advance(minutes=59)
    assert log_in(services, "wang", PASSWORD).token is None
    clock.advance(minutes=2)
    assert log_in(services, "wang", PASSWORD).token is not None


def test_a_login_form_posted_from_another_site_is_refused(services, browser):
    make_account(services, "wang")
    browser.get("/staff/login")
    forged = browser.post("/staff/login", {"username": "wang", "password": PASSWORD},
                          headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    without_token = browser.post("/staff/login", {"username": "wang", "password": PASSWORD, "csrf": "guessed"})
    assert without_token.status_code == 403


def test_after_login_only_pages_of_the_console_are_next(services, browser):
    make_account(services, "wang")
    browser.get("/staff/login?next=https://evil.example/")
    answer = browser.post("/staff/login", {"username": "wang", "password": PASSWORD,
                                           "next": "https://evil.example/"})
    assert answer.url == "http://testserver/staff/"
    browser.get("/staff/login")
    answer = browser.post("/staff/login", {"username": "wang", "password": PASSWORD, "next": "//evil.example/x"})
    assert answer.url == "http://testserver/staff/"


# ---------------------------------------------------------------- sessions


def test_an_idle_session_ends_and_the_login_says_so(services, browser, clock):
    make_account(services, "wang")
    browser.log_in("wang")
    clock.advance(minutes=29)
    assert browser.get("/staff/").url.path == "/staff/"  # in use: the idle time starts again
    clock.advance(minutes=29)
    assert browser.get("/staff/").url.path == "/staff/"
    clock.advance(minutes=31)
    expired = browser.get("/staff/?status=all")
    assert expired.url.path == "/staff/login" and "登录已过期" in expired.text
    assert "next=/staff/%3Fstatus%3Dall" in str(expired.url) or "next=/staff/?status=all" in str(expired.url)


def test_the_polled_rows_tell_the_page_to_log_in_again(services, browser, clock):
    make_account(services, "wang")
    browser.log_in("wang")
    assert browser.get("/staff/queue/rows", headers={"X-Requested-With": "fetch"}).status_code == 200
    clock.advance(minutes=31)
    answer = browser.client.get("/staff/queue/rows", headers={"X-Requested-With": "fetch"}, follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["x-login"].startswith("/staff/login")


def test_logging_out_ends_the_session_and_a_forged_logout_does_nothing(services, browser):
    make_account(services, "wang")
    browser.log_in("wang")
    forged = browser.post("/staff/logout", {"csrf": "not-the-token"})
    assert forged.status_code == 403 and "未做任何更改" in forged.text
    cross_site = browser.post("/staff/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    assert browser.get("/staff/").url.path == "/staff/"
    browser.post("/staff/logout")
    assert browser.page and "已安全退出" in browser.page
    assert browser.get("/staff/").url.path == "/staff/login"


def test_a_new_password_or_a_removal_ends_every_session(services, browser, another_browser):
    make_account(services, "wang")
    browser.log_in("wang")
    another_browser.log_in("wang")
    make_account(services, "wang", password="a new password")
    assert browser.get("/staff/").url.path == "/staff/login"
    another_browser.log_in("wang", "a new password")
    remove_staff(services, "web:wang")
    assert another_browser.get("/staff/").url.path == "/staff/login"


def test_sessions_left_idle_are_cleared_at_the_next_login(services, clock):
    from storage.models import ConsoleSession

    make_account(services, "wang")
    make_account(services, "li")
    log_in(services, "wang", PASSWORD)
    clock.advance(minutes=45)
    log_in(services, "li", PASSWORD)
    with services.db.reading() as session:
        assert [row.member.user_key for row in session.query(ConsoleSession).all()] == ["li"]


def test_a_session_token_is_kept_only_hashed(services):
    make_account(services, "wang")
    token = log_in(services, "wang", PASSWORD).token
    with services.db.reading() as session:
        from storage.models import ConsoleSession

        stored = session.query(ConsoleSession).one()
        assert token not in (stored.token_hash, stored.csrf_token)
    assert current_account(services, token).username == "wang"
    assert current_account(services, stored.token_hash) is None


# ---------------------------------------------------------------- the queue


def test_the_queue_puts_urgent_cases_first_and_a_department_sees_only_its_own(services, browser, citizen,
                                                                                neighbour, clock):
    ordinary = neighbour.files(VEGETABLES)
    clock.advance(minutes=5)
    urgent = citizen.files(DIALYSIS)
    act(services, _supervisor(), ordinary, lambda desk, case: desk.assign(case, COMMERCE))
    make_account(services, "wang")
    make_account(services, "shang", department=COMMERCE)
    browser.log_in("wang")
    assert browser.page.index(urgent) < browser.page.index(ordinary)
    assert "紧急" in browser.page
    browser.post("/staff/logout")
    browser.log_in("shang")
    assert ordinary in browser.page and urgent not in browser.page


def test_the_queue_filters_searches_and_shows_overdue_cases(services, browser, citizen, neighbour, clock):
    urgent = citizen.files(DIALYSIS)
    ordinary = neighbour.files(VEGETABLES)
    services.settings.staff_session_idle_minutes = 8 * 60  # a shift
    make_account(services, "wang")
    browser.log_in("wang")
    assert urgent in browser.get("/staff/?urgency=urgent").text and ordinary not in browser.page
    assert ordinary in browser.get("/staff/?q=没有菜").text and urgent not in browser.page
    assert urgent in browser.get(f"/staff/?q={urgent[-4:]}").text
    assert urgent in browser.get("/staff/?q=139****5678").text and ordinary in browser.page
    assert urgent in browser.get("/staff/?q=13912345678").text
    assert "没有符合条件的案件" in browser.get("/staff/?q=13800000000").text
    assert "没有符合条件的案件" in browser.get("/staff/?overdue=1").text
    clock.advance(hours=2)
    overdue = browser.get("/staff/?overdue=1").text
    assert urgent in overdue and ordinary in overdue and "已超时" in overdue
    assert "没有符合条件的案件" in browser.get("/staff/?from=2022-01-11").text
    assert urgent in browser.get("/staff/?from=2022-01-10&to=2022-01-10").text


def test_the_queue_pages(services, browser, clock):
    from support.citizens import Citizen

    for index in range(53):
        Citizen(services, user=f"c{index}").files(VEGETABLES)
    make_account(services, "wang")
    browser.log_in("wang")
    assert "共 53 件" in browser.page and "第 1 / 2 页" in browser.page
    second = browser.get("/staff/?page=2").text
    assert "第 2 / 2 页" in second and second.count('class="number"') == 3


def _supervisor():
    from handlers.cases.actions import Actor

    return Actor("cli:test", "测试", SUPERVISOR)


@pytest.fixture(autouse=True)
def _frozen_at_ten(clock):
    assert clock.now() == at("2022-01-10 10:00")
