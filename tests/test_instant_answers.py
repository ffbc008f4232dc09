"""Instant answers in the dialogue, as citizens live them: a question the base settles is answered at once;
1 ends with no case, 我要求助 (or 2) goes on to the intake with the question as the problem; urgent and
personal requests go to the intake as before; what was answered and what was not reaches the daily report."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.telegram_world import keyboard
from support.world import at

from config.knowledge import load_knowledge_base
from config.settings import DEFAULT_KNOWLEDGE_BASE
from handlers.reports.instant_answers import day_summary
from handlers.timers.daily_report import report_of_day
from storage.models import Case, FaqUse

QUESTION = "红码多久能转绿？"
FOLLOW_UP = "这解答了您的问题吗？回复 1 已解决，回复 我要求助 继续登记"


@pytest.fixture
def services(services):
    """The world's services with the default knowledge base (the world itself answers nothing at once)."""
    return dataclasses.replace(services, knowledge=load_knowledge_base(DEFAULT_KNOWLEDGE_BASE))


def cases(services) -> list[Case]:
    with services.db.reading() as session:
        return list(session.scalars(select(Case)))


def uses(services) -> list[tuple[str, str | None]]:
    with services.db.reading() as session:
        return [(u.outcome, u.entry) for u in session.scalars(select(FaqUse).order_by(FaqUse.id))]


def test_a_question_is_answered_with_source_and_date_and_1_ends_with_no_case(citizen, services):
    answer = citizen.says(QUESTION)
    assert "红码" in answer and "来源：" in answer and "更新：2022-01-" in answer
    assert FOLLOW_UP in answer
    assert "很高兴帮到您" in citizen.says("1")
    assert cases(services) == []
    assert uses(services) == [("helped", "health-code-red")]
    # the conversation is idle again: the next question is answered again
    assert FOLLOW_UP in citizen.says("核酸结果在哪查")


@pytest.mark.parametrize("reply", ["我要求助", "2"])
def test_asking_for_help_after_the_answer_starts_the_intake_with_the_question_as_the_problem(citizen, services, reply):
    citizen.says("封控区怎么买菜？")
    asked = citizen.says(reply)
    assert "您刚才的问题已记下" in asked and "怎么称呼" in asked
    number = citizen.finish(problem="不该再问问题", name="李先生", phone="13800138000", district="中原区")
    assert "请描述" not in "\n".join(citizen.transcript)
    [case] = cases(services)
    assert case.number == number and case.problem == "封控区怎么买菜？"
    assert uses(services) == [("not_helped", "sealed-zone-living")]


def test_silence_after_the_answer_ends_with_no_case(citizen, services):
    citizen.says(QUESTION)
    services.clock.advance(hours=2)
    assert "很高兴" not in citizen.says("你好") and cases(services) == []
    assert uses(services) == [("answered", "health-code-red")]


def test_another_message_after_the_answer_is_taken_as_a_new_one(citizen, services):
    citizen.says(QUESTION)
    answer = citizen.says("发烧了去哪里看？")
    assert "发热门诊" in answer and FOLLOW_UP in answer
    assert [entry for _, entry in uses(services)] == ["health-code-red", "fever-clinic"]


def test_an_urgent_message_goes_to_the_intake_with_the_danger_advice_and_no_answer(citizen, services):
    answer = citizen.says("封控区孕妇临产怎么办，我老婆羊水破了")
    assert "120" in answer and "是为谁求助" in answer
    assert FOLLOW_UP not in answer and "公开解答" not in answer


def test_a_personal_request_goes_to_the_intake_with_the_answer_only_beside_it(citizen, services):
    answer = citizen.says("我在封控区，降压药吃完了买不到药怎么办，能帮我送点吗")
    assert "怎么称呼" in answer
    assert "这条公开解答或许对您有用" in answer and FOLLOW_UP not in answer
    assert uses(services) == []


def test_a_story_about_ones_own_situation_is_not_answered(citizen, services):
    answer = citizen.says("我们小区封控了，家里没有菜了，老人孩子都在家，住在二七区")
    assert "是为谁求助" in answer and FOLLOW_UP not in answer


def test_the_daily_report_shows_answers_outcomes_and_grouped_unmatched_questions(citizen, neighbour, services):
    citizen.says(QUESTION)
    citizen.says("1")
    neighbour.says("封控区怎么买菜？")
    neighbour.says("我要求助")
    for text in ("郑州明天天气咋样？", "郑州明天天气怎么样", "公积金账户密码忘了咋办？"):
        citizen.says(text)  # not answered: the intake starts with it as the problem
        citizen.says("取消")
    with services.db.reading() as session:
        summary = day_summary(session, services, at("2022-01-10 10:00").date())
    assert (summary.answered, summary.helped, summary.not_helped) == (2, 1, 1)
    assert [(g.example, g.count) for g in summary.unmatched] == [("郑州明天天气咋样？", 2), ("公积金账户密码忘了咋办？", 1)]

    report = report_of_day(services, at("2022-01-10 10:00").date()).text
    assert "即时解答：答复 2 次，已解决 1，转登记 1" in report
    assert "· health-code-red：1 次（已解决 1）" in report
    assert "未能解答的提问（3 条" in report and "· 郑州明天天气咋样？（2 条）" in report


def test_unmatched_questions_are_kept_sealed(citizen, services):
    citizen.says("郑州明天天气咋样？")
    with services.db.reading() as session:
        [row] = session.scalars(select(FaqUse)).all()
        assert row.outcome == "unmatched" and "天气" not in (row.question_enc or "")
        assert session.scalar(select(func.count()).select_from(Case)) == 0


# ---------------------------------------------------------------- the same on every channel


def test_on_telegram_the_answer_comes_with_buttons_and_我要求助_continues(telegram):
    alice = telegram.citizen(2001, "Alice")
    sent = alice.says(QUESTION)
    text = "\n".join(m["text"] for m in sent)
    assert "红码" in text and FOLLOW_UP in text
    assert keyboard(sent[-1]) == ["已解决", "我要求助"]
    asked = alice.says("我要求助")
    assert "怎么称呼" in "\n".join(m["text"] for m in asked)


def test_on_telegram_已解决_ends_with_no_case(telegram):
    bob = telegram.citizen(2002, "Bob")
    bob.says("核酸多久出结果")
    assert "很高兴帮到您" in "\n".join(m["text"] for m in bob.says("已解决"))
    assert cases(telegram.services) == []


def test_on_wechat_the_signed_passive_reply_carries_the_answer_and_1_ends_it(wechat):
    follower = wechat.citizen()
    reply = follower.says(QUESTION)
    assert "红码" in reply and FOLLOW_UP in reply and "回复 2 选择 我要求助" in reply
    assert "很高兴帮到您" in follower.says("1")
    assert cases(wechat.services) == []


def test_on_wechat_2_goes_on_to_the_intake(wechat):
    follower = wechat.citizen("o-second-follower")
    follower.says("封控区怎么买菜？")
    assert "怎么称呼" in follower.says("2")


def test_the_answer_waits_no_longer_than_a_conversation(citizen, services):
    citizen.says(QUESTION)
    ttl = services.taxonomy.dialogue.conversation_ttl
    services.clock.advance(minutes=(ttl + timedelta(minutes=1)).total_seconds() / 60)
    assert "怎么称呼" not in citizen.says("1")
    assert cases(services) == []


def test_in_the_terminal_chat_a_question_is_answered_and_1_files_nothing(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("YIBANG_")}
    env.update(YIBANG_DATA_DIR=str(tmp_path), YIBANG_SECRET_KEY="terminal-test-secret-" + "x" * 32)

    def yibang(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                              env=env, timeout=120)

    chat = yibang("console", "--user", "carol", stdin=f"{QUESTION}\n1\n封控区怎么买菜？\n我要求助\n")
    assert chat.returncode == 0, chat.stderr
    assert "红码" in chat.stdout and FOLLOW_UP in chat.stdout and "很高兴帮到您" in chat.stdout
    assert "您刚才的问题已记下" in chat.stdout and "怎么称呼" in chat.stdout
    assert json.loads(yibang("case", "list", "--json").stdout) == []


def test_purge_forgets_the_words_of_old_unmatched_questions_and_keeps_the_counts(citizen, services):
    from handlers.privacy.retention import purge

    citizen.says("郑州明天天气咋样？")
    services.clock.advance(minutes=60 * 24 * 200)
    purge(services, timedelta(days=180))
    with services.db.reading() as session:
        [row] = session.scalars(select(FaqUse)).all()
        assert row.outcome == "unmatched" and row.question_enc is None
