"""回访: two hours after 办结 the citizen is asked "问题解决了吗？"; the answer closes or reopens the case;
no answer within a day closes it as unanswered."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from support.world import at

from handlers.cases.actions import Actor, CaseDesk
from handlers.delivery.payloads import opened
from handlers.messages import Reply
from handlers.privacy.erasure import erase_citizen
from handlers.timers.revisits import sweep_revisits
from handlers.wording import numbered
from storage.conversations import find_conversation
from storage.models import Case, Conversation, OutboxMessage

STAFF = Actor("telegram:501", "李娜")
RESULT = "社区已安排专车送医透析"


def act(services, number, action):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        return action(desk, desk.case(number))


def sweep(services, when):
    services.clock.set(at(when))
    return dataclasses.astuple(sweep_revisits(services, services.clock.now()))


def resolved_case(citizen, services, when="2022-01-10 10:30") -> str:
    """Filed at 10:00, solved at `when`: its revisit is due two hours later."""
    number = citizen.files()
    services.clock.set(at(when))
    act(services, number, lambda desk, case: desk.resolve(case, RESULT))
    return number


def pushes(services, citizen) -> list[dict]:
    with services.db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.target == f"chat-{citizen.user}").order_by(OutboxMessage.id)
        ).all()
        return [opened(services.cipher, row.payload) for row in rows]


def staff_texts(services) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "log").order_by(OutboxMessage.id))
        return [row.payload["text"] for row in rows if row.payload["kind"] == "staff_text"]


def load(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def step_of(services, citizen) -> str:
    with services.db.reading() as session:
        return find_conversation(session, citizen.channel, citizen.user).step


def test_a_resolved_case_gets_its_revisit_prompt_two_hours_later(citizen, services):
    number = resolved_case(citizen, services)
    assert sweep(services, "2022-01-10 12:29") == (0, 0, 0)
    assert sweep(services, "2022-01-10 12:30") == (1, 0, 0)
    prompt = pushes(services, citizen)[-1]
    assert prompt["kind"] == "citizen_update"
    assert prompt["text"] == f"【回访】您的求助 {number} 已办结：{RESULT}\n问题解决了吗？"
    assert prompt["choices"] == ["已解决", "部分解决", "未解决"]
    # WeChat and the terminal number the choices; Telegram draws them as buttons
    assert "回复 3 选择 未解决" in numbered(services.taxonomy, Reply.from_dict(prompt))
    assert step_of(services, citizen) == "revisit"
    case = load(services, number)
    assert case.revisit_sent_at == at("2022-01-10 12:30") and case.status == "resolved"
    assert sweep(services, "2022-01-10 12:31") == (0, 0, 0)
    assert len(pushes(services, citizen)) == 2  # the result at 办结, then the one question


def test_unsolved_reopens_at_once_and_staff_see_the_citizens_words(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    services.clock.set(at("2022-01-10 12:40"))

    answer = citizen.says("未解决")
    assert answer == f"很抱歉！{number} 已重新办理。请告诉我们还有什么问题没有解决："
    case = load(services, number)
    assert case.status == "in_progress" and case.revisit_answer == "未解决" and case.resolved_at is None
    assert staff_texts(services)[-1] == f"🔁 {number} 回访：市民表示“未解决”，已重新办理。"

    answer = citizen.says("车只送了一次，周四的透析还是没人安排，电话13912345678")
    assert answer.startswith(f"已转告工作人员，会尽快继续办理 {number}")
    assert staff_texts(services)[-1] == f"🔁 {number} 回访，市民说：车只送了一次，周四的透析还是没人安排，电话139****5678"
    case = load(services, number)
    kinds = [(e.kind, e.actor, e.from_status, e.to_status) for e in case.events[-2:]]
    assert kinds == [("reopened", "citizen", "resolved", "in_progress"), ("revisit_comment", "citizen", None, None)]
    assert "周四的透析" in case.events[-1].text
    assert step_of(services, citizen) == "idle"
    # answered directly: no extra push to the citizen beyond the question
    told = [push["text"] for push in pushes(services, citizen)]
    assert len(told) == 2 and told[0].startswith(f"【{number}】已办结") and told[1].startswith("【回访】")


def test_solved_and_satisfied_closes_the_case_through_revisited(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    assert citizen.says("1") == f"您对 {number} 的办理满意吗？\n回复 1 选择 满意\n回复 2 选择 基本满意\n回复 3 选择 不满意"
    assert load(services, number).status == "revisited"
    assert citizen.says("基本满意") == f"感谢您的评价！{number} 已销号。以后遇到困难，随时找我们。"
    case = load(services, number)
    assert (case.status, case.revisit_answer, case.satisfaction) == ("closed", "已解决", "基本满意")
    assert at("2022-01-10 12:30") < case.closed_at < at("2022-01-10 12:31")
    moves = [(e.from_status, e.to_status, e.actor) for e in case.events if e.to_status]
    assert moves == [(None, "received", "citizen"), ("received", "resolved", str(STAFF)),
                     ("resolved", "revisited", "citizen"), ("revisited", "closed", "citizen")]
    assert step_of(services, citizen) == "idle"


def test_partly_solved_and_dissatisfied_reopens_likewise(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    citizen.says("部分解决")
    answer = citizen.says("3")
    assert answer.startswith(f"很抱歉！{number} 已重新办理")
    case = load(services, number)
    assert (case.status, case.revisit_answer, case.satisfaction) == ("in_progress", "部分解决", "不满意")
    assert staff_texts(services)[-1] == f"🔁 {number} 回访：市民表示“不满意”，已重新办理。"
    citizen.says("只送来一半的药")
    assert "只送来一半的药" in staff_texts(services)[-1]


def test_no_answer_within_a_day_closes_the_case_as_unanswered(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    assert sweep(services, "2022-01-11 12:29") == (0, 0, 0)
    assert sweep(services, "2022-01-11 12:30") == (0, 0, 1)
    case = load(services, number)
    assert case.status == "closed" and case.revisit_answer is None
    last = case.events[-1]
    assert (last.kind, last.actor, last.text) == ("revisit_unanswered", "system", "回访未获答复，已销号")
    assert "没有收到您对回访的答复" in pushes(services, citizen)[-1]["text"]
    assert step_of(services, citizen) == "idle"
    assert sweep(services, "2022-01-11 12:31") == (0, 0, 0)
    # a late "1" is not taken as an answer to a revisit that is over
    assert "已销号" not in citizen.says("1") and load(services, number).status == "closed"


def test_solved_but_never_rated_is_closed_a_day_after_the_question(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    services.clock.set(at("2022-01-10 13:00"))
    citizen.says("已解决")
    assert sweep(services, "2022-01-11 12:30") == (0, 0, 1)
    case = load(services, number)
    assert (case.status, case.revisit_answer, case.satisfaction) == ("closed", "已解决", None)
    assert case.events[-1].text == "未评价满意度，已销号"


def test_a_citizen_filling_a_form_is_asked_after_it_not_in_the_middle(citizen, services):
    number = resolved_case(citizen, services)
    services.clock.set(at("2022-01-10 12:25"))
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("2")  # 重新填写: a new contact; the form now asks for a name
    assert step_of(services, citizen) == "name"

    assert sweep(services, "2022-01-10 12:30") == (0, 1, 0)
    assert load(services, number).revisit_sent_at is None
    services.clock.set(at("2022-01-10 12:35"))
    # "1" still means what the form asked, never a revisit answer
    assert citizen.says("1").startswith("称呼不能只有数字或符号")
    second = citizen.finish(problem="小区门口的核酸检测点今天没有开，请问去哪里做", name="张女士",
                            phone="13912345678", district="金水区")
    assert second != number and step_of(services, citizen) == "filed", "the correction offered with the number"

    assert sweep(services, "2022-01-10 12:41") == (1, 0, 0)
    assert step_of(services, citizen) == "revisit"
    assert citizen.says("已解决").startswith(f"您对 {number} 的办理满意吗？")


def test_a_form_left_half_way_does_not_hold_the_revisit_back_once_it_expires(citizen, services):
    number = resolved_case(citizen, services)
    services.clock.set(at("2022-01-10 12:20"))
    citizen.says("我要求助")
    assert sweep(services, "2022-01-10 12:30") == (0, 1, 0)
    assert sweep(services, "2022-01-10 12:51") == (1, 0, 0)  # the form expired half an hour after 12:20
    assert citizen.says("1").startswith(f"您对 {number} 的办理满意吗？")


def test_the_revisit_waits_a_day_for_its_answer_not_the_forms_half_hour(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    services.clock.set(at("2022-01-10 20:00"))
    citizen.says("已解决")
    services.clock.set(at("2022-01-11 09:00"))
    assert citizen.says("满意").startswith("感谢您的评价")
    assert load(services, number).status == "closed"


def test_other_words_at_the_revisit_ask_again(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    answer = citizen.says("嗯嗯")
    assert answer.startswith("没有看懂您的选择") and "问题解决了吗？" in answer and "回复 2 选择 部分解决" in answer
    assert load(services, number).status == "resolved"


def test_a_case_staff_reopened_meanwhile_ends_the_revisit(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    act(services, number, lambda desk, case: desk.reopen(case, "市民来电说车没到"))
    assert citizen.says("1") == f"{number} 的回访已结束（当前状态：办理中）。"
    assert step_of(services, citizen) == "idle"


def test_resolved_again_after_a_reopening_is_asked_again(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    citizen.says("未解决")
    citizen.says("车没来")
    services.clock.set(at("2022-01-10 14:00"))
    act(services, number, lambda desk, case: desk.resolve(case, "车已到，已送医"))
    assert sweep(services, "2022-01-10 16:00") == (1, 0, 0)
    questions = [p for p in pushes(services, citizen) if p["text"].startswith("【回访】")]
    assert [q["text"].split("：", 1)[1] for q in questions] == [f"{RESULT}\n问题解决了吗？", "车已到，已送医\n问题解决了吗？"]


def test_a_second_resolved_case_waits_for_the_first_revisit(citizen, services):
    first = resolved_case(citizen, services)
    second = citizen.files(problem="小区门口的核酸检测点今天没有开，请问去哪里做")
    act(services, second, lambda desk, case: desk.resolve(case, "检测点已恢复"))
    assert sweep(services, "2022-01-10 12:31") == (1, 1, 0)  # one question at a time
    assert sweep(services, "2022-01-10 12:40") == (0, 1, 0)
    citizen.says("已解决")
    citizen.says("满意")
    assert sweep(services, "2022-01-10 12:41") == (1, 0, 0)
    assert citizen.says("已解决").startswith(f"您对 {second} 的办理满意吗？")
    assert load(services, first).status == "closed"


def test_a_case_without_a_conversation_is_still_asked(citizen, services):
    number = resolved_case(citizen, services)
    with services.db.transaction() as session:
        session.delete(session.scalars(select(Conversation)).one())
    assert sweep(services, "2022-01-10 12:30") == (1, 0, 0)
    assert step_of(services, citizen) == "revisit"
    assert citizen.says("未解决").startswith(f"很抱歉！{number}")


def test_staff_reopening_and_solving_again_asks_anew_though_the_first_question_was_never_answered(citizen, services):
    number = resolved_case(citizen, services)
    sweep(services, "2022-01-10 12:30")
    services.clock.set(at("2022-01-10 13:00"))
    act(services, number, lambda desk, case: desk.reopen(case, "市民来电说车没到"))
    services.clock.set(at("2022-01-10 14:00"))
    act(services, number, lambda desk, case: desk.resolve(case, "车已到，已送医"))
    assert step_of(services, citizen) == "revisit"  # still at the first question
    assert sweep(services, "2022-01-10 16:00") == (1, 0, 0)
    assert citizen.says("已解决").startswith(f"您对 {number} 的办理满意吗？")


def test_a_citizen_at_the_greeting_menu_is_asked_at_once(citizen, services):
    number = resolved_case(citizen, services)
    services.clock.set(at("2022-01-10 12:29"))
    citizen.says("你好")
    assert step_of(services, citizen) == "menu"
    assert sweep(services, "2022-01-10 12:30") == (1, 0, 0)
    assert citizen.says("3").startswith(f"很抱歉！{number} 已重新办理")


def test_a_citizen_erased_on_request_is_not_asked_and_their_solved_case_is_closed(citizen, services):
    number = resolved_case(citizen, services)
    erase_citizen(services, case_number=number)
    before = len(pushes(services, citizen))
    assert sweep(services, "2022-01-10 12:30") == (0, 0, 1)
    case = load(services, number)
    assert case.status == "closed" and case.events[-1].kind == "revisit_impossible"
    with services.db.reading() as session:
        assert session.scalars(select(Conversation)).all() == []
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.target == "anonymised")).all()
    assert len(pushes(services, citizen)) == before
