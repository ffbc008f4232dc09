"""查看进度 and 撤回: a citizen sees their own cases and nothing of anyone else's."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Case


def test_progress_lists_own_cases_with_status_and_latest_event(citizen):
    number = citizen.files()
    answer = citizen.says("查看进度")
    assert number in answer and "已受理" in answer and "共1件" in answer


def test_progress_of_one_case_shows_its_public_timeline(citizen):
    number = citizen.files()
    answer = citizen.says(f"查看进度 {number}")
    assert f"编号：{number}" in answer and "进展" in answer
    assert number in citizen.says(f"/progress {number.lower()}")


def test_someone_elses_case_reveals_nothing(citizen, neighbour):
    number = citizen.files()
    theirs = neighbour.says(f"查看进度 {number}")
    missing = neighbour.says("查看进度 ZZ20220110-9999")
    assert theirs == missing.replace("ZZ20220110-9999", number)
    assert "透析" not in theirs and "金水区" not in theirs
    assert "还没有提交过求助" in neighbour.says("查看进度")


def test_same_user_id_on_another_channel_is_another_citizen(citizen, services):
    from support.citizens import Citizen

    number = citizen.files()
    stranger = Citizen(services, user=citizen.user, channel="wechat")
    assert "没有找到" in stranger.says(f"查看进度 {number}")


def test_progress_mid_form_repeats_the_question(citizen):
    citizen.files()
    citizen.says("我要求助")
    citizen.says("想问下现在高铁能不能正常出行")
    citizen.says("重新填写")
    answer = citizen.says("查看进度")
    assert "共1件" in answer and "怎么称呼" in answer


def test_withdraw_own_open_case(citizen, neighbour, services):
    number = citizen.files()
    assert "没有找到" in neighbour.says(f"撤回 {number}")
    assert "已撤回" in citizen.says(f"撤回 {number}")
    assert "不能撤回" in citizen.says(f"撤回 {number}")
    assert "撤回 编号" in citizen.says("撤回")
    with services.db.reading() as session:
        case = session.scalars(select(Case)).one()
        assert case.status == "withdrawn"
        assert case.events[-1].actor == "citizen"
    assert "已撤回" in citizen.says("查看进度")
