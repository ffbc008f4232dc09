"""Staff work cases from their Telegram group: the card's buttons, the prompts they open and the replies to
them, the group's commands — through the real python-telegram-bot Application and the stand-in Bot API.
The citizen hears each public step through the outbox; the card is edited in place after each."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.telegram_world import STAFF_CHAT, buttons, group_chat, press_update, text_update, user
from telegram import Update

from bot.telegram.ordering import PerChatOrder
from bot.telegram.staff_card import (
    DEPARTMENTS_PER_PAGE,
    Press,
    callback_data,
    department_keyboard,
    parse_press,
)
from bot.telegram.staff_commands import staff_command
from handlers.cases.actions import SUPERVISOR
from handlers.staff.directory import add_member
from handlers.staff.notices import StaffCard
from handlers.staff.prompts import Prompt, open_prompt, prompt_key
from storage.models import Case, CaseEvent, OutboxMessage, SharedValue

REFUSED = "此功能仅供工作人员使用。"
OPEN_CARD = ["已联系", "交办", "回复", "办结", "合并", "无效", "查看电话"]


def case_of(telegram, number: str) -> Case:
    with telegram.services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def card_edits(telegram, card: dict) -> list[str]:
    return [edit["text"] for edit in telegram.api.called("editMessageText")
            if int(edit["message_id"]) == card["message_id"]]


def filed_and_posted(telegram, user_id: int = 1001, **details) -> tuple:
    citizen = telegram.citizen(user_id)
    number = citizen.files(**details)
    telegram.deliver()
    return citizen, number


# ---------------------------------------------------------------- the whole way, by buttons and replies


def test_a_case_goes_from_received_to_resolved_by_buttons_and_replies_in_the_group(telegram):
    alice, number = filed_and_posted(telegram)
    card = telegram.card(number)
    assert list(buttons(card)) == OPEN_CARD
    li = telegram.staff(501, "李娜")

    assert li.presses("已联系", card)["text"] == f"{number}：已联系完成。"
    telegram.deliver()
    card = telegram.card(number)
    assert "状态：已受理 · 已联系（telegram:501/李娜 01-10 10:" in card["text"]

    # 交办: the card's buttons become the departments, the routing's suggestion first, more on later pages
    li.presses("交办", card)
    page = telegram.card(number)
    assert page["text"] == card["text"]
    assert list(buttons(page))[0] == "市卫生健康委员会" and list(buttons(page))[-2:] == ["更多 ›", "返回"]
    li.presses("更多 ›", page)
    later = telegram.card(number)
    assert "市卫生健康委员会" not in buttons(later) and "‹ 上一页" in buttons(later)
    li.presses("‹ 上一页", later)
    answer = li.presses("市卫生健康委员会", telegram.card(number))
    assert answer["text"] == f"{number}：交办完成。"
    telegram.deliver()
    card = telegram.card(number)
    assert "状态：已交办 · 市卫生健康委员会 · 已联系（telegram:501/李娜" in card["text"]
    assert list(buttons(card)) == OPEN_CARD
    assert telegram.api.texts(alice.id)[-1] == f"【{number}】您的求助已交办给市卫生健康委员会，正在办理。"

    # 回复: a prompt for the presser alone; their reply is the note, and it moves the case to 办理中
    assert li.presses("回复", card)["text"] == "请回复群里的提示消息。"
    prompt = li.prompt()
    [asked] = [m for m in telegram.api.sent(STAFF_CHAT) if m["_message_id"] == prompt["message_id"]]
    assert asked["reply_markup"] == {"force_reply": True, "selective": True, "input_field_placeholder": "办理进展"}
    [mention] = asked["entities"]
    assert mention["type"] == "text_mention" and mention["user"]["id"] == 501
    assert asked["text"][mention["offset"]:mention["offset"] + mention["length"]] == "李娜"
    assert li.replies("已联系社区，今晚安排车辆", to=prompt) == []  # the prompt itself becomes the receipt
    assert telegram.api.message(STAFF_CHAT, prompt["message_id"])["text"] == f"✅ {number}：回复完成。（李娜）"
    telegram.deliver()
    card = telegram.card(number)
    assert "状态：办理中 · 市卫生健康委员会" in card["text"]
    assert list(buttons(card)) == ["已联系", "交办", "回复", "办结", "合并", "查看电话"]
    assert telegram.api.texts(alice.id)[-1] == f"【{number}】办理进展：已联系社区，今晚安排车辆"

    # 办结, with the result as the reply
    li.presses("办结", card)
    li.replies("社区已安排专车送医透析", to=li.prompt())
    telegram.deliver()
    card = telegram.card(number)
    assert "状态：已办结 · 市卫生健康委员会" in card["text"]
    assert list(buttons(card)) == ["已联系", "回复", "重新办理", "查看电话"]
    assert telegram.api.texts(alice.id)[-1].startswith(f"【{number}】已办结：社区已安排专车送医透析")

    states = [next(s for s in ("已办结", "办理中", "已交办", "已受理") if f"状态：{s}" in text)
              for text in card_edits(telegram, card)]
    assert states == ["已受理", "已交办", "办理中", "已办结"]
    assert [(e.kind, e.actor) for e in case_of(telegram, number).events] == [
        ("received", "citizen"),
        ("contacted", "telegram:501/李娜"),
        ("assigned", "telegram:501/李娜"),
        ("note", "telegram:501/李娜"),
        ("resolved", "telegram:501/李娜"),
    ]


def test_a_redelivered_press_is_done_once(telegram):
    _, number = filed_and_posted(telegram)
    card = telegram.card(number)
    update = press_update({"id": 501, "is_bot": False, "first_name": "李娜"}, card, buttons(card)["已联系"])
    assert telegram.post(update).status_code == 200
    assert telegram.post(update).status_code == 200  # Telegram delivers it again
    assert [e.kind for e in case_of(telegram, number).events] == ["received", "contacted"]


# ---------------------------------------------------------------- who may act


def test_someone_outside_the_staff_group_pressing_the_same_buttons_changes_nothing(telegram, caplog):
    _, number = filed_and_posted(telegram)
    card = telegram.card(number)
    stranger = telegram.staff(666, "路人", chat=group_chat(-100999, "别的群"))
    elsewhere = {**card, "chat": stranger.chat}
    with telegram.services.db.reading() as session:
        rows_before = session.scalar(select(func.count()).select_from(OutboxMessage))

    with caplog.at_level(logging.WARNING, logger="handlers.staff.directory"):
        for label in OPEN_CARD:
            answer = stranger.presses(label, elsewhere)
            assert answer["text"] == REFUSED and answer["show_alert"] is True

    assert "refused a staff action from telegram:666 in chat -100999" in caplog.text
    case = case_of(telegram, number)
    assert case.status == "received" and [e.kind for e in case.events] == ["received"]
    with telegram.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == rows_before
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1
    assert telegram.api.sent(-100999) == [] and len(telegram.api.sent(STAFF_CHAT)) == 1
    assert telegram.api.called("editMessageText") == telegram.api.called("editMessageReplyMarkup") == []


def test_only_a_supervisor_sees_the_full_phone_only_in_their_alert_and_it_is_recorded(telegram):
    _, number = filed_and_posted(telegram, phone="13911112222")
    with telegram.services.db.transaction() as session:
        add_member(session, "telegram", "9", SUPERVISOR, "王主任", telegram.clock.now())  # `yibang staff add`
    card = telegram.card(number)

    handler = telegram.staff(501, "李娜").presses("查看电话", card)
    assert handler["text"] == "您没有权限进行此操作。" and handler["show_alert"] is True
    boss = telegram.staff(9, "王主任").presses("查看电话", card)
    assert boss["show_alert"] is True and "13911112222" in boss["text"] and number in boss["text"]

    telegram.deliver()
    in_the_group = [m["text"] for m in telegram.api.sent(STAFF_CHAT)] + [
        edit["text"] for edit in telegram.api.called("editMessageText") if int(edit["chat_id"]) == STAFF_CHAT]
    assert in_the_group and not any("13911112222" in text for text in in_the_group)
    [revealed] = [e for e in case_of(telegram, number).events if e.kind == "phone_revealed"]
    assert revealed.actor == "telegram:9/王主任" and not revealed.public


# ---------------------------------------------------------------- prompts


def test_a_prompt_takes_only_its_pressers_reply_and_only_in_time(telegram):
    alice, number = filed_and_posted(telegram)
    li, wang = telegram.staff(501, "李娜"), telegram.staff(502, "王强")
    li.presses("办结", telegram.card(number))
    prompt = li.prompt()

    [told] = wang.replies("已解决", to=prompt)
    assert told["text"] == "这条提示是给李娜的。如需办理，请点按求助卡片上的按钮。"
    assert told["reply_parameters"]["message_id"]  # a reply to Wang's message
    telegram.clock.advance(minutes=10)
    [told] = li.replies("已解决", to=prompt)
    assert "这条提示已失效" in told["text"]
    assert case_of(telegram, number).status == "received"

    li.presses("办结", telegram.card(number))
    prompt = li.prompt()
    assert li.replies("社区已送药上门", to=prompt) == []
    [told] = li.replies("再说一遍：已送药", to=prompt)
    assert "这条提示已失效" in told["text"]
    case = case_of(telegram, number)
    assert case.status == "resolved" and case.result == "社区已送药上门"
    assert [e.kind for e in case.events].count("resolved") == 1


def test_chatter_in_the_group_and_replies_to_other_bot_messages_are_left_alone(telegram):
    _, number = filed_and_posted(telegram)
    li = telegram.staff(501, "李娜")
    assert li.says("大家辛苦了") == []
    assert li.replies("收到", to=telegram.card(number)) == []
    assert case_of(telegram, number).status == "received"


# ---------------------------------------------------------------- the state machine says no


def test_steps_a_withdrawn_case_cannot_take_are_refused_with_the_reason(telegram):
    alice, number = filed_and_posted(telegram)
    stale = telegram.card(number)
    li = telegram.staff(501, "李娜")
    li.presses("办结", stale)  # the prompt opens while the case is still received
    prompt = li.prompt()
    alice.says(f"撤回 {number}")

    [told] = li.replies("已解决", to=prompt)
    assert told["text"] == f"{number} 当前状态为已撤回，不能办结。"
    answer = li.presses("办结", stale)
    assert answer["text"] == f"{number} 当前状态为已撤回，不能进行“办结”。" and answer["show_alert"] is True
    assert li.presses("交办", stale)["text"] == f"{number} 当前状态为已撤回，不能进行“交办”。"
    assert li.presses("已联系", stale)["text"] == f"{number} 当前状态为已撤回，不能联系。"
    case = case_of(telegram, number)
    assert case.status == "withdrawn" and case.result is None and case.contacted_at is None

    telegram.deliver()
    card = telegram.card(number)
    assert "状态：已撤回（市民" in card["text"] and list(buttons(card)) == ["查看电话"]


def test_a_button_left_over_from_an_earlier_state_is_refused(telegram):
    _, number = filed_and_posted(telegram)
    li, wang = telegram.staff(501, "李娜"), telegram.staff(502, "王强")
    li.presses("交办", telegram.card(number))
    li.presses("市卫生健康委员会", telegram.card(number))
    telegram.deliver()
    stale = telegram.card(number)  # 已交办: 无效 is one of its steps
    li.presses("回复", stale)
    li.replies("社区已上门", to=li.prompt())
    assert case_of(telegram, number).status == "in_progress"

    answer = wang.presses("无效", stale)  # before the card is redrawn
    assert answer["text"] == f"{number} 当前状态为办理中，不能进行“无效”。" and answer["show_alert"] is True
    assert case_of(telegram, number).status == "in_progress"


def test_a_failure_inside_tells_the_presser_to_try_again(telegram, monkeypatch):
    _, number = filed_and_posted(telegram)

    def database_down(*args, **kwargs):
        raise OSError("database unreachable")

    monkeypatch.setattr("bot.telegram.staff_group.at_desk", database_down)
    answer = telegram.staff(501, "李娜").presses("已联系", telegram.card(number))
    assert answer["text"] == "系统繁忙，没有办理成功，请稍后再试。" and answer["show_alert"] is True
    assert case_of(telegram, number).contacted_at is None


# ---------------------------------------------------------------- merge


def test_merge_moves_the_citizen_to_the_surviving_case(telegram):
    alice, first = filed_and_posted(telegram, 1001, problem="我们小区暖气不热，整栋楼都冷，已经三天了")
    bob, second = filed_and_posted(telegram, 1002, problem="小区暖气一直不热，家里有老人孩子冻得受不了",
                                   name="王先生", phone="13800138000")
    li = telegram.staff(501, "李娜")
    li.presses("合并", telegram.card(second))
    prompt = li.prompt()
    [told] = li.replies("ZZ20990101-0001", to=prompt)
    assert told["text"] == "没有找到求助 ZZ20990101-0001。"  # the prompt stays open for the right number
    assert li.replies(f"合并到 {first}", to=prompt) == []
    telegram.deliver()

    assert f"请关注 {first} 的进展" in telegram.api.texts(bob.id)[-1]
    merged = telegram.card(second)
    assert "状态：已合并（telegram:501/李娜" in merged["text"] and list(buttons(merged)) == ["查看电话"]
    progress = " ".join(m["text"] for m in bob.says("/progress"))
    assert first in progress and second in progress

    li.presses("办结", telegram.card(first))
    li.replies("热力公司已维修管道", to=li.prompt())
    telegram.deliver()
    assert "热力公司已维修管道" in telegram.api.texts(bob.id)[-1]
    assert "热力公司已维修管道" in telegram.api.texts(alice.id)[-1]


# ---------------------------------------------------------------- group commands


def test_group_commands_answer_staff_and_reveal_nothing_to_anyone_else(telegram, caplog):
    bob, plain = filed_and_posted(telegram, 1002, problem="请问现在离开郑州需要什么条件，高铁还能坐吗",
                                  name="王先生", phone="13800138000")
    _, urgent = filed_and_posted(telegram, 1001)
    li = telegram.staff(501, "李娜")

    [queue] = li.says("/queue")
    assert queue["text"].index(urgent) < queue["text"].index(plain)
    assert queue["reply_parameters"]["message_id"]  # an answer to the command, in a busy group
    [shown] = li.says(f"/case@yibang_test_bot {plain.lower()}")
    assert plain in shown["text"] and "办理记录" in shown["text"] and "138****8000" in shown["text"]
    assert "13800138000" not in shown["text"]
    [usage] = li.says("/case")
    assert "/case 编号" in usage["text"]
    [stats] = li.says("/stats")
    assert "受理 2 件（紧急 1）" in stats["text"]
    assert li.says("/queue@another_bot") == []  # meant for another bot in the group

    with caplog.at_level(logging.WARNING, logger="handlers.staff.directory"):
        for command in ("/queue", f"/case {urgent}", "/stats"):
            answer = [m["text"] for m in bob.says(command)]
            assert answer == [REFUSED]
        stranger = telegram.staff(666, "路人", chat=group_chat(-100999, "别的群"))
        assert [m["text"] for m in stranger.says("/queue")] == [REFUSED]
    assert caplog.text.count("refused a staff action") == 4
    with telegram.services.db.reading() as session:  # the citizen's dialogue never saw the commands
        assert session.scalar(select(func.count()).select_from(Case).where(Case.user_key == "1002")) == 1

    with telegram.services.db.transaction() as session:
        add_member(session, "telegram", "700", "handler", "值班员", telegram.clock.now())
    on_duty = telegram.citizen(700, "值班员")  # a configured staff member, in a private chat with the bot
    [queue] = on_duty.says("/queue")
    assert urgent in queue["text"] and plain in queue["text"]


# ---------------------------------------------------------------- the parts on their own


def test_every_button_fits_telegrams_64_bytes_and_reads_back():
    longest = "ZZZZZZ20220110-123456"
    for action in ("contacted", "assign", "note", "resolve", "merge", "reject", "reopen", "phone", "depts", "dept"):
        data = callback_data(action, longest, 22)
        assert len(data.encode()) <= 64
        assert parse_press(data) == Press(action, longest, 22)
    assert parse_press("yb:note:ZZ20220110-0001") == Press("note", "ZZ20220110-0001")
    for foreign in (None, "", "other:note:ZZ1", "yb:note:", "yb:dept:ZZ1:x", "yb:a:b:c:d"):
        assert parse_press(foreign) is None
    with pytest.raises(ValueError):
        callback_data("note", "Z" * 70)


def test_department_pages_offer_every_department_once_the_routing_first(taxonomy):
    card = StaffCard(case_id=1, number="ZZ20220110-0001", text="", actions=(), has_phone=True,
                     departments=tuple(taxonomy.departments_for("食品供应", "二七区")), posted={})
    shown: list[str] = []
    page = 0
    while True:
        rows = department_keyboard(taxonomy, card, page).inline_keyboard
        shown += [row[0].text for row in rows[:-1]]
        assert len(rows) - 1 <= DEPARTMENTS_PER_PAGE
        if "更多 ›" not in [button.text for button in rows[-1]]:
            break
        page += 1
    assert sorted(shown) == sorted(d.name for d in taxonomy.departments) and len(shown) == 23
    assert shown[:2] == ["市商务局", "二七区疫情防控指挥部"]


def test_staff_commands_are_recognised_as_clients_send_them():
    assert staff_command("/queue", "yibang_test_bot") == ("queue", "")
    assert staff_command("/case@Yibang_Test_Bot  ZZ20220110-0001 ", "yibang_test_bot") == ("case", "ZZ20220110-0001")
    assert staff_command("/stats@other_bot", "yibang_test_bot") is None
    assert staff_command("/start", "yibang_test_bot") is None
    assert staff_command("queue", "yibang_test_bot") is None
    assert staff_command(None, None) is None


def test_in_the_group_each_staff_member_has_their_own_line():
    """Li's reply waits for Li's press before it; Wang, meanwhile, is not held up by either."""

    def update(user_id: int, text: str) -> Update:
        return Update.de_json(text_update(user(user_id), text, chat=group_chat(STAFF_CHAT)), None)

    async def story() -> list[str]:
        order = PerChatOrder(8)
        pressed = asyncio.Event()
        done: list[str] = []

        async def handled(name: str, after: asyncio.Event | None = None) -> None:
            if after is not None:
                await after.wait()
            done.append(name)

        li_press = asyncio.create_task(order.do_process_update(update(501, "press"), handled("li press", pressed)))
        li_reply = asyncio.create_task(order.do_process_update(update(501, "reply"), handled("li reply")))
        # Bounded, so that a shared line fails here rather than waiting forever for Li.
        await asyncio.wait_for(order.do_process_update(update(502, "/queue"), handled("wang")), timeout=10)
        assert done == ["wang"] and not li_reply.done()
        pressed.set()
        await asyncio.gather(li_press, li_reply)
        return done

    assert asyncio.run(story()) == ["wang", "li press", "li reply"]


def test_prompts_expired_for_a_day_are_forgotten(services):
    prompt = Prompt("resolve", "ZZ20220110-0001", "501", "李娜")
    with services.db.transaction() as session:
        open_prompt(session, str(STAFF_CHAT), 10, prompt, services.clock.now(), timedelta(minutes=10))
    services.clock.advance(days=1, minutes=11)
    with services.db.transaction() as session:
        open_prompt(session, str(STAFF_CHAT), 11, prompt, services.clock.now(), timedelta(minutes=10))
    with services.db.reading() as session:
        names = session.scalars(select(SharedValue.name)).all()
    assert names == [prompt_key(str(STAFF_CHAT), 11)]
