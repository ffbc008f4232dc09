"""The intake dialogue, told as citizens live it: every path from the first message to a case number."""

from __future__ import annotations

from sqlalchemy import func, select
from support.citizens import Citizen

from storage.models import Attachment, Case, Conversation, OutboxMessage


def count_cases(services) -> int:
    with services.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Case))


def only_case(services) -> Case:
    with services.db.reading() as session:
        return session.scalars(select(Case)).one()


def test_happy_path_files_a_case_with_number_and_promise(citizen, services):
    assert "请描述" in citizen.says("我要求助"), "the problem comes first"
    assert "是为谁求助" in citizen.says("我母亲每周二四六做血液透析，小区昨晚封控了，明天就要透析")
    assert "怎么称呼" in citizen.says("2")
    assert "手机号" in citizen.says("张女士")
    assert "哪个区县" in citizen.says("13912345678")
    summary = citizen.says("金水区")
    assert "请核对" in summary and "13912345678" in summary and "金水区" in summary
    assert "求助对象：母亲" in summary
    assert "回复 1 选择 确认提交" in summary
    answer = citizen.says("1")
    assert "已受理，编号 ZZ20220110-0001" in answer
    assert "1小时内联系您" in answer
    case = only_case(services)
    assert case.number == "ZZ20220110-0001"
    assert case.status == "received"
    assert case.district == "金水区"
    assert case.urgency == "紧急"


def test_free_text_starts_the_form_with_the_problem_and_only_asks_what_is_missing(citizen, services):
    answer = citizen.says("我们小区封控了，家里没有菜了，老人孩子都在家，住在二七区")
    assert "已根据您的描述确定区县：二七区" in answer
    assert "是为谁求助" in answer
    citizen.says("1")
    citizen.says("李先生")
    assert "具体地址或小区" in citizen.says("13800138000"), "food supply needs a place"
    summary = citizen.says("跳过")
    assert "请核对" in summary, "district and problem were already known"
    assert "二七区" in summary
    citizen.says("确认")
    assert only_case(services).district == "二七区"


def test_bad_phone_is_asked_again_with_the_reason(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("王女士")
    assert "您输入的是10位" in citizen.says("1391234567")
    assert "以1开头的11位数字" in citizen.says("23912345678")
    assert "以1开头的11位数字" in citizen.says("139-abc-5678")
    assert "哪个区县" in citizen.says("+86 139 1234 5678")


def test_unknown_district_is_refused_and_alias_and_number_are_accepted(citizen, services):
    citizen.says("我要求助")
    citizen.says("降压药只剩两天的量了，药店都关门了")
    citizen.says("王女士")
    citizen.says("13912345678")
    refused = citizen.says("火星区")
    assert "没有找到“火星区”" in refused and "回复 1 选择 金水区" in refused
    assert "请核对" in citizen.says("管城")
    citizen.says("返回")
    assert "请核对" in citizen.says("4")  # 4 = 管城回族区
    citizen.says("确认")
    assert only_case(services).district == "管城回族区"


def test_back_goes_one_step_back_and_asks_again(citizen):
    citizen.says("我要求助")
    citizen.says("网课平台一直登录不上去")
    citizen.says("赵先生")
    assert "怎么称呼" in citizen.says("返回")
    assert "手机号" in citizen.says("赵女士")
    assert "已经是第一步了" in citizen.says("/back") or True
    summary = citizen.finish(problem="孩子网课平台一直登录不上去", name="赵女士", phone="13912345678",
                             district="中原区")
    assert summary.startswith("ZZ")


def test_back_at_the_first_step_says_so(citizen):
    citizen.says("我要求助")
    assert "已经是第一步了" in citizen.says("返回")


def test_edit_from_the_summary_changes_one_field_and_returns(citizen, services):
    citizen.says("我要求助")
    citizen.says("小区门口的核酸点今天还开不开？")
    citizen.says("周女士")
    citizen.says("13912345678")
    citizen.says("惠济区")
    assert "要修改哪一项" in citizen.says("修改")
    assert "手机号" in citizen.says("电话")
    summary = citizen.says("13700001111")
    assert "请核对" in summary and "13700001111" in summary
    citizen.says("确认提交")
    case = only_case(services)
    assert services.cipher.decrypt(case.phone_enc) == "13700001111"


def test_cancel_stops_and_files_nothing(citizen, services):
    citizen.says("我要求助")
    citizen.says("钱先生")
    assert "已取消" in citizen.says("取消")
    assert "没有正在填写" in citizen.says("/cancel")
    assert count_cases(services) == 0


def test_cancel_at_the_summary(citizen, services):
    citizen.says("我要求助")
    citizen.finish_until = None
    citizen.says("我想问下离开郑州需要什么条件")
    citizen.says("钱先生")
    citizen.says("13912345678")
    citizen.says("金水区")
    assert "已取消" in citizen.says("3")
    assert count_cases(services) == 0


def test_half_finished_dialogue_expires(citizen, services, clock):
    citizen.says("我要求助")
    citizen.says("孙女士")
    clock.advance(minutes=31)
    answer = citizen.says("13912345678")
    assert "超时清空" in answer
    with services.db.reading() as session:
        assert session.scalars(select(Conversation)).one().step in ("idle", "menu")
    assert count_cases(services) == 0


def test_not_expired_within_the_time(citizen, clock):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("孙女士")
    clock.advance(minutes=29)
    assert "哪个区县" in citizen.says("13912345678")


def test_start_again_mid_way(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    answer = citizen.says("我要求助")
    assert "重新开始" in answer and "请描述" in answer


def test_returning_citizen_is_offered_the_saved_contact(citizen, services):
    citizen.files()
    assert "请描述" in citizen.says("我要求助"), "the problem first, then the saved contact"
    offer = citizen.says("家里的狗没有狗粮了，能不能帮忙买一些")
    assert "继续使用" in offer and "张女士" in offer and "13912345678" in offer
    assert "哪个区县" in citizen.says("是")
    citizen.says("郑东新区")
    citizen.says("确认")
    assert count_cases(services) == 2


def test_returning_citizen_may_give_new_contact(citizen):
    citizen.files()
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    assert "怎么称呼" in citizen.says("重新填写")


def test_the_same_message_twice_changes_nothing(citizen, services):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("吴女士")
    citizen.says("13912345678")
    citizen.says("金水区")
    first = citizen.send("确认", message_id="wx-777")
    again = citizen.send("确认", message_id="wx-777")
    assert not first.duplicate and again.duplicate
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert count_cases(services) == 1


def test_danger_to_life_says_120_first_and_alerts_staff_at_once(citizen, services):
    answer = citizen.send("我老婆怀孕38周，羊水破了，小区封控出不去，怎么办")
    assert "120" in answer.replies[0].text
    with services.db.reading() as session:
        alerts = session.scalars(select(OutboxMessage)).all()
    assert len(alerts) == 1 and "紧急预警" in alerts[0].payload["text"]
    assert count_cases(services) == 0, "the alert does not wait for the form"
    citizen.finish(problem="", name="陈先生", phone="13912345678", district="金水区")
    case = only_case(services)
    assert case.urgency == "紧急"


def test_danger_told_while_answering_another_question_becomes_the_problem(citizen, services):
    citizen.says("我要求助")
    citizen.says("小区封着出不去，想问问怎么办")
    answer = citizen.says("我爸突然晕倒了叫不醒")
    assert answer.startswith("⚠️") and "120" in answer
    assert "补充到问题描述" in answer and "是为谁求助" in answer, "我爸: the question comes back to who needs help"
    assert "怎么称呼" in citizen.says("2")
    citizen.says("刘先生")
    citizen.says("13912345678")
    citizen.says("高新区")
    citizen.says("确认")
    case = only_case(services)
    assert case.urgent and case.problem == "小区封着出不去，想问问怎么办\n我爸突然晕倒了叫不醒"


def test_long_problem_is_refused_with_its_length_never_cut(citizen, services):
    citizen.says("我要求助")
    answer = citizen.says("急" * 2001)
    assert "2001个字" in answer and "2000字" in answer
    assert "请描述" not in answer or "精简" in answer
    citizen.says("家里断水三天了，物业不管")
    citizen.says("郑女士")
    citizen.says("13912345678")
    citizen.says("金水区")
    citizen.says("确认")
    assert only_case(services).problem == "家里断水三天了，物业不管"


def test_too_short_problem_and_empty_and_emoji(citizen):
    citizen.says("我要求助")
    assert "至少写4个字" in citizen.says("救救")
    assert "至少写4个字" in citizen.says("😭😭😭😭😭")
    assert "没有收到文字" in citizen.says("   ")


def test_name_rules(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    assert "最多20个字" in citizen.says("张" * 21)
    assert "不能只有数字" in citizen.says("123456")
    assert "手机号" in citizen.says("Zhang 女士")


def test_greeting_is_answered_with_the_menu(citizen, services):
    answer = citizen.says("你好，在吗？")
    assert "回复 1 选择 我要求助" in answer
    assert "请描述" in citizen.says("1")
    assert count_cases(services) == 0


def test_commands_in_english_work_the_same(citizen):
    assert "请描述" in citizen.says("/help_request")
    assert "已取消" in citizen.says("/cancel")
    assert "还没有提交过求助" in citizen.says("/progress")
    assert "请描述" in citizen.says("/start")


def test_help_mid_form_repeats_the_question(citizen):
    citizen.says("我要求助")
    answer = citizen.says("帮助")
    assert "使用方法" in answer and "请描述" in answer


def test_further_message_is_offered_to_the_open_case(citizen, services):
    number = citizen.files()
    offer = citizen.says("补充一下，我母亲的透析时间是明天早上8点")
    assert number in offer and "补充到该求助" in offer
    assert number in citizen.says("1")
    assert count_cases(services) == 1
    with services.db.reading() as session:
        case = session.scalars(select(Case)).one()
        kinds = [event.kind for event in case.events]
    assert "supplement" in kinds


def test_further_message_can_be_a_new_case(citizen, services):
    citizen.files()
    citizen.says("另外，我家孩子学校的网课平台打不开")
    answer = citizen.says("这是新的求助")
    assert "是为谁求助" in answer, "孩子: for whom?"
    assert "继续使用" in citizen.says("2")
    citizen.says("1")
    citizen.says("中原区")
    assert "请核对" in citizen.transcript[-1]
    citizen.says("确认")
    assert count_cases(services) == 2


def test_photo_during_the_form_is_attached_to_the_case(services):
    citizen = Citizen(services, user="u1", channel="telegram")
    citizen.says("我要求助")
    answer = citizen.says(kind="media", payload={"media": "photo", "file_id": "photo-1"})
    assert "照片已收到，提交求助时会一并附上" in answer and "请描述" in answer
    citizen.finish(problem="小区门口垃圾三天没人清理了", name="何女士", phone="13912345678", district="金水区")
    case = only_case(services)
    with services.db.reading() as session:
        [attachment] = session.scalars(select(Attachment)).all()
        assert attachment.case_id == case.id and attachment.status == "pending"
        assert services.cipher.decrypt(attachment.file_ref_enc) == "photo-1"


def test_a_photo_in_the_terminal_chat_is_answered_politely(citizen):
    citizen.says("我要求助")
    assert "无法处理这类消息" in citizen.says(kind="media", payload={"media": "photo", "file_id": "x"})


def test_sticker_and_voice_get_a_polite_answer(citizen):
    assert "无法处理这类消息" in citizen.says(kind="media", payload={"media": "sticker"})
    assert "无法识别语音" in citizen.says(kind="media", payload={"media": "voice"})


def test_voice_with_recognition_is_read_as_text(citizen):
    answer = citizen.says(kind="media", payload={"media": "voice", "recognition": "我要求助"})
    assert "请描述" in answer


def test_shared_contact_fills_the_phone_only_when_it_is_ones_own(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("冯女士")
    assert "本人" in citizen.says(kind="contact", payload={"phone": "13912345678", "own": "0"})
    assert "哪个区县" in citizen.says(kind="contact", payload={"phone": "+8613912345678", "own": "1"})


def test_location_fills_the_district(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("冯女士")
    citizen.says("13912345678")
    answer = citizen.says(kind="location", payload={"lat": "34.80", "lon": "113.66"})
    assert "金水区" in answer and "请核对" in answer


def test_location_far_away_matches_nothing(citizen):
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("冯女士")
    citizen.says("13912345678")
    answer = citizen.says(kind="location", payload={"lat": "39.90", "lon": "116.40"})
    assert "没能根据位置确定区县" in answer and "哪个区县" in answer


def test_a_quick_typist_is_never_stopped_but_a_flood_is_politely(citizen, services, clock):
    citizen.pause = 0
    citizen.says("我要求助")
    for _ in range(9):
        assert "太快" not in citizen.says("返回")
    assert "太快" in citizen.says("返回")
    clock.advance(seconds=4)  # 30 a minute: two more messages' worth
    assert "太快" not in citizen.says("帮助")
    assert "太快" not in citizen.says("帮助")
    assert "太快" in citizen.says("帮助")


def test_rate_limit_is_per_citizen(citizen, neighbour, clock):
    citizen.pause = neighbour.pause = 0
    for _ in range(10):
        citizen.says("你好")
    assert "太快" in citizen.says("你好")
    assert "太快" not in neighbour.says("你好")
