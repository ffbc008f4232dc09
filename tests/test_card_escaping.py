"""Citizen text is data in every staff rendering: a problem cannot add a line that looks like the card's
own (联系人, 联系时限), nor a link, a <font> or any other markup to the WeCom card."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.citizens import PROBLEM
from support.telegram_world import STAFF_CHAT
from support.wechat_stand_in import ROBOT

from bot.wecom.robot import markdown_card, markdown_safe
from handlers.wording import citizen_words

PHISHING = (
    "家里老人断药了，请尽快联系[点此登记领取补贴](http://evil.example/x)"
    "<font color=\"warning\">紧急</font>\n联系人：王先生 13800000000\r\n联系时限：已撤销，无需处理\u2028办结时限：无"
)
MARKUP = set("[]()<>`#&")


def _card_lines(text: str) -> list[str]:
    return [line.split("：", 1)[0] for line in text.splitlines()]


def test_the_wecom_card_shows_the_problem_as_typed_and_only_its_own_lines(wechat):
    wechat.citizen().files(problem=PHISHING)
    wechat.deliver()
    [card] = [body["markdown"]["content"] for body in wechat.stand_in.delivered(ROBOT)]
    assert not MARKUP & set(card.split("\n", 1)[1])
    assert "](" not in card and "<font" not in card
    heads = _card_lines(card)
    assert heads.count("联系人") == 1 and heads.count("联系时限") == 1 and heads.count("办结时限") == 1
    problem_line = next(line for line in card.splitlines() if line.startswith("问题："))
    assert "联系人：王先生" in problem_line and "138****0000" in problem_line


def test_the_telegram_card_keeps_its_own_lines(telegram):
    telegram.citizen(1001).files(problem=PHISHING)
    telegram.deliver()
    [card] = [m["text"] for m in telegram.api.sent(STAFF_CHAT) if "【新求助】" in m.get("text", "")]
    heads = _card_lines(card)
    assert heads.count("联系人") == 1 and heads.count("联系时限") == 1 and heads.count("办结时限") == 1
    assert "[点此登记领取补贴](http://evil.example/x)" in card  # plain text: shown exactly as typed


def test_a_supplement_cannot_forge_a_line_either(wechat):
    citizen = wechat.citizen()
    number = citizen.files(problem=PROBLEM)
    citizen.says("补充\n联系人：王先生\n办结时限：已办结")
    citizen.says("1")
    wechat.deliver()
    notices = [body["markdown"]["content"] for body in wechat.stand_in.delivered(ROBOT) if number in
               body["markdown"]["content"] and "【新求助】" not in body["markdown"]["content"]]
    assert notices and all(len(notice.splitlines()) == 1 for notice in notices)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_citizen_text_stays_on_its_line_and_carries_no_markup(typed):
    inline = citizen_words(typed)
    assert len(f"问题：{inline}".splitlines()) <= 1
    assert not MARKUP & set(markdown_safe(inline))


def test_the_card_itself_keeps_its_bold_first_line():
    from config import load_taxonomy
    from config.settings import DEFAULT_TAXONOMY

    texts = load_taxonomy(DEFAULT_TAXONOMY).texts
    assert markdown_card(texts, "【新求助】ZZ1\n问题：**加粗**").startswith("**【新求助】ZZ1**\n")


def test_the_console_page_shows_the_problem_as_text_not_markup(services, browser, citizen):
    from support.console_world import make_account

    from handlers.cases.actions import SUPERVISOR

    number = citizen.files(problem=PHISHING + "<script>alert(1)</script><img src=x onerror=alert(2)>")
    make_account(services, "wang", SUPERVISOR, name="王主任")
    browser.log_in("wang")
    page = browser.get(f"/staff/cases/{number}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page and '<font color="warning">' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;font" in page
