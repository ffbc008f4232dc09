"""Unsure of the category, the bot asks the citizen once — among the likeliest categories and 其他 — and
keeps the choice beside its guess, for staff and for the next `learn`."""

from __future__ import annotations

from sqlalchemy import select

from classifier import Classification, get_classifier
from handlers.cases.overrides import override_examples
from handlers.conversation.category_choice import likeliest
from storage.models import Case

UNSURE = "学校让交核酸报告，药店也要"  # 疫情政策 0.43, 学生教育 0.30, 寻医买药 0.08
SURE = "请问现在离开郑州需要什么条件，高铁还能坐吗"


def load(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def test_the_likeliest_categories_then_other(taxonomy):
    classification: Classification = get_classifier(taxonomy).classify(UNSURE)
    assert likeliest(classification, "其他") == ["疫情政策", "学生教育", "寻医买药", "其他"]


def test_an_unsure_problem_is_filed_under_the_citizens_choice(citizen, services):
    summary = citizen.reaches_confirmation(problem=UNSURE)
    assert "确认提交吗" in summary
    asked = citizen.answer("1")  # 确认
    assert "最接近哪一类" in asked and "学生教育" in asked and "其他" in asked and "已受理" not in asked
    filed = citizen.answer("2")  # 学生教育, one digit
    assert "已受理，编号" in filed
    number = filed.split("已受理，编号 ", 1)[1].split("。", 1)[0]
    case = load(services, number)
    assert (case.category, case.needs_review) == ("学生教育", False)
    [chosen] = [event for event in case.events if event.kind == "category_chosen"]
    assert chosen.data["old"] == "疫情政策" and chosen.data["new"] == "学生教育"
    assert case.evidence["category"]["scores"]["疫情政策"] > case.evidence["category"]["scores"]["学生教育"]
    with services.db.reading() as session:
        [row] = override_examples(session, services.taxonomy.texts, ("紧急", "一般"))
    assert (row["id"], row["text"], row["category"]) == (number, UNSURE, "学生教育")


def test_choosing_other_leaves_it_to_staff(citizen, services):
    citizen.reaches_confirmation(problem=UNSURE)
    citizen.answer("1")
    filed = citizen.answer("4")  # 其他
    number = filed.split("已受理，编号 ", 1)[1].split("。", 1)[0]
    case = load(services, number)
    assert (case.category, case.needs_review) == ("疫情政策", True)  # the guess stays; a person checks it
    assert any(event.kind == "category_chosen" and event.data["new"] == "其他" for event in case.events)


def test_a_sure_problem_is_filed_without_an_extra_question(citizen, services):
    citizen.reaches_confirmation(problem=SURE)
    assert "已受理，编号" in citizen.answer("1")
