"""Citizens on Telegram, end to end: the real PTB Application behind the /telegram webhook, answering
through a stand-in Bot API. Every message a client can send gets an answer and nothing breaks."""

from __future__ import annotations

from sqlalchemy import func, select
from support.media_samples import phone_photo
from support.telegram_world import (
    STAFF_CHAT,
    blocked_update,
    contact,
    contact_button,
    group_chat,
    keyboard,
    location,
    message_update,
    photo,
    sticker,
    text_update,
    user,
)

from storage.models import Attachment, Case, Conversation


def texts(messages: list[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def test_a_citizen_goes_from_start_to_a_case_number_with_buttons_and_typed_answers(telegram):
    alice = telegram.citizen(1001, "Alice")

    asked = alice.says("/start")
    assert "请描述" in texts(asked), "the problem first"
    assert asked[-1]["reply_markup"] == {"remove_keyboard": True}

    asked = alice.says("我母亲每周二四六做血液透析，小区封控了出不去，明天就要透析")
    assert "是为谁求助" in texts(asked)
    assert keyboard(asked[-1]) == ["本人", "家人/他人"]

    asked = alice.says("家人/他人")  # what a tap on the button sends
    assert "怎么称呼" in texts(asked)

    asked = alice.says("张女士")
    assert "手机号" in texts(asked)
    assert contact_button(asked[-1])

    asked = alice.sends_content(**contact("8613912345678", user_id=alice.id))
    assert "哪个区县" in texts(asked)
    districts = keyboard(asked[-1])
    assert "二七区" in districts and "金水区" in districts and len(districts) == 16

    asked = alice.says("二七区")  # what a tap on the button sends, and what typing it sends
    summary = texts(asked)
    assert "电话：13912345678" in summary and "区县：二七区" in summary and "求助对象：母亲" in summary
    assert keyboard(asked[-1]) == ["确认提交", "修改", "取消"]

    asked = alice.says("修改")
    assert keyboard(asked[-1]) == ["问题描述", "求助对象", "称呼", "电话", "区县"]
    asked = alice.says("区县")
    asked = alice.says("金水区")
    assert "区县：金水区" in texts(asked)

    answer = alice.says("确认")
    assert "已受理，编号 ZZ20220110-0001" in texts(answer)
    assert keyboard(answer[-1]) == ["更正电话、地址或区县"], "修改 编号 as a button"
    asked = alice.says("更正电话、地址或区县")
    assert keyboard(asked[-1]) == ["电话", "地址", "区县"]
    alice.says("电话")
    assert "已更正 ZZ20220110-0001 的电话" in texts(alice.says("0371-63812345"))


def test_the_staff_group_receives_the_card_with_the_phone_masked(telegram):
    number = telegram.citizen(1001).files()
    assert telegram.api.sent(STAFF_CHAT) == []  # the card goes through the outbox, not in line

    assert telegram.deliver() == 1
    [card] = telegram.api.sent(STAFF_CHAT)
    first_line = card["text"].splitlines()[0]
    assert "紧急" in first_line and number in first_line
    assert "139****5678" in card["text"] and "13912345678" not in card["text"]
    assert "金水区" in card["text"] and "血液透析" in card["text"] and "联系时限" in card["text"]
    with telegram.services.db.reading() as session:
        case = session.scalars(select(Case)).one()
        assert case.staff_messages["telegram"].startswith(f"{STAFF_CHAT}:")


def test_a_shared_contact_fills_the_phone_only_when_it_is_ones_own(telegram):
    bob = telegram.citizen(1002, "Bob")
    bob.says("/help_request")
    bob.says("想问下现在高铁能不能正常出行")
    bob.says("王先生")
    refused = bob.sends_content(**contact("13800001111", user_id=4242, first_name="别人"))
    assert "本人" in texts(refused)
    assert contact_button(refused[-1])  # the phone question is asked again
    refused = bob.sends_content(**contact("13800001111", user_id=None))  # a contact from the address book
    assert "本人" in texts(refused)
    assert "哪个区县" not in texts(refused)


def test_progress_shows_ones_own_case_and_nothing_of_it_to_another_user(telegram):
    number = telegram.citizen(1001).files()

    own = telegram.citizen(1001).says("/progress")
    assert number in texts(own)
    other = telegram.citizen(1002).says("/progress")
    assert number not in texts(other)
    assert "还没有提交过求助" in texts(other)
    asked_by_number = telegram.citizen(1002).says(f"查看进度 {number}")
    assert number in texts(asked_by_number) and "没有找到您名下" in texts(asked_by_number)
    assert "血液透析" not in texts(asked_by_number)


def test_a_photo_a_sticker_and_a_location_as_first_messages_are_answered(telegram):
    answered = telegram.citizen(2001).sends_content(**photo())
    assert "照片已收到" in texts(answered) and "请描述" in texts(answered)

    answered = telegram.citizen(2002).sends_content(**sticker())
    assert "暂时无法处理这类消息" in texts(answered)

    answered = telegram.citizen(2003).sends_content(**location(34.80, 113.66))
    assert "已根据您的位置确定区县：金水区" in texts(answered)

    voice = {"voice": {"file_id": "voice-1", "file_unique_id": "v", "duration": 3}}
    assert "语音" in texts(telegram.citizen(2004).sends_content(**voice))
    document = {"document": {"file_id": "doc-1", "file_unique_id": "d", "file_name": "证明.pdf"}}
    assert texts(telegram.citizen(2005).sends_content(**document))


def test_the_photo_goes_with_the_case(telegram):
    telegram.api.add_file("the-large-one", phone_photo())
    alice = telegram.citizen(1001)
    assert "请描述" in texts(alice.sends_content(**photo("the-large-one")))
    for answer in ("家里老人的降压药吃完了，小区封控出不去", "2", "张女士", "13912345678", "金水区", "确认"):
        alice.says(answer)
    telegram.deliver()
    telegram.deliver()
    [shown] = telegram.api.files_shown(STAFF_CHAT)
    with telegram.services.db.reading() as session:
        case = session.scalars(select(Case)).one()
        [attachment] = session.scalars(select(Attachment)).all()
    assert attachment.case_id == case.id and attachment.status == "stored"
    assert shown["reply_to"] == int(case.staff_messages["telegram"].rsplit(":", 1)[1])


def test_markup_typed_by_a_citizen_comes_back_as_typed(telegram):
    alice = telegram.citizen(1001)
    alice.says("/start")
    alice.says("*家里* _断药_ <i>三天</i> [链接](http://x) 小区封控出不去")
    alice.says("<b>x</b>_y_")
    alice.says("13912345678")
    summary = texts(alice.says("金水区"))
    assert "称呼：<b>x</b>_y_" in summary
    assert "*家里* _断药_ <i>三天</i> [链接](http://x)" in summary
    assert all("parse_mode" not in call for call in telegram.api.called("sendMessage"))


def test_commands_in_chinese_work_like_the_english_ones(telegram):
    carol = telegram.citizen(1003)
    assert "请描述" in texts(carol.says("我要求助"))
    assert "已取消" in texts(carol.says("取消"))
    assert "请描述" in texts(carol.says("/help_request"))
    assert "已取消" in texts(carol.says("/cancel"))
    assert "还没有提交过求助" in texts(carol.says("查看进度"))
    assert "请描述" in texts(carol.says("/start yibang-poster"))  # a deep link's payload


def test_group_messages_are_not_a_citizens(telegram):
    staff = user(3001, "值班员")
    telegram.post(text_update(staff, "/start", chat=group_chat(STAFF_CHAT, "工作群")))
    telegram.post(text_update(staff, "有人吗", chat=group_chat(STAFF_CHAT, "工作群")))
    telegram.post(text_update(user(3002), "我要求助", chat=group_chat(-100999, "别的群")))
    assert telegram.api.called("sendMessage") == []
    with telegram.services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_an_edited_message_is_answered_and_not_handled_again(telegram):
    alice = telegram.citizen(1001)
    alice.says("/start")
    answer = alice.sends(text_update(alice.user, "家里没菜了", edited=True))
    assert "修改过的消息不会重新处理" in texts(answer)
    assert "reply_markup" not in answer[-1]  # the open question's keyboard stays
    with telegram.services.db.reading() as session:
        assert session.scalars(select(Conversation)).one().step == "problem"
    live_location = message_update(alice.user, edited=True, **location(34.8, 113.66))
    assert alice.sends(live_location) == []


def test_blocking_the_bot_is_recorded_and_writing_again_clears_it(telegram):
    alice = telegram.citizen(1001)
    alice.says("/start")
    assert alice.sends(blocked_update(alice.user)) == []
    with telegram.services.db.reading() as session:
        assert session.scalars(select(Conversation)).one().unreachable_at is not None
    alice.says("你好")
    with telegram.services.db.reading() as session:
        assert session.scalars(select(Conversation)).one().unreachable_at is None
