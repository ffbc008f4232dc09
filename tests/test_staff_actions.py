"""Staff work a case: 交办, 回复, 办结, 合并, 无效 — each step on the timeline, public steps told to the citizen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.cases.actions import SUPERVISOR, ActionRefused, Actor, CaseDesk, allowed_actions
from handlers.delivery.payloads import opened
from storage.models import Case, OutboxMessage

STAFF = Actor("telegram:501", "李娜")


def act(services, number, action, actor=STAFF):
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, actor, services.clock.now())
        return action(desk, desk.case(number))


def load(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events, case.merged_into
        return case


def pushes_to(services, target) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.target == target).order_by(OutboxMessage.id)
        ).all()
        return [opened(services.cipher, row.payload)["text"] for row in rows
                if row.payload.get("kind") == "citizen_update"]


def test_the_whole_workflow_with_every_public_step_told(citizen, services, clock):
    number = citizen.files()
    act(services, number, lambda d, c: d.contacted(c))
    assert load(services, number).contacted_at == clock.now()
    clock.advance(minutes=10)
    act(services, number, lambda d, c: d.assign(c, "市卫生健康委员会"))
    assert load(services, number).status == "assigned"
    act(services, number, lambda d, c: d.note(c, "已联系社区，今晚安排车辆"))
    assert load(services, number).status == "in_progress"
    act(services, number, lambda d, c: d.resolve(c, "社区已安排专车送医透析"))
    case = load(services, number)
    assert case.status == "resolved" and case.result == "社区已安排专车送医透析"
    assert case.revisit_due_at == clock.now() + services.taxonomy.revisit.after
    told = pushes_to(services, "chat-u1")
    assert told == [
        f"【{number}】您的求助已交办给市卫生健康委员会，正在办理。",
        f"【{number}】办理进展：已联系社区，今晚安排车辆",
        f"【{number}】已办结：社区已安排专车送医透析\n如问题仍未解决，请回复“查看进度 {number}”或重新求助。",
    ]
    kinds = [(e.kind, e.actor, e.public) for e in case.events]
    assert kinds == [
        ("received", "citizen", True),
        ("contacted", "telegram:501/李娜", False),
        ("assigned", "telegram:501/李娜", True),
        ("note", "telegram:501/李娜", True),
        ("resolved", "telegram:501/李娜", True),
    ]
    progress = citizen.says(f"查看进度 {number}")
    assert "已办结" in progress and "已交办给市卫生健康委员会" in progress


def test_internal_note_is_not_told_and_changes_no_state(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, "市卫生健康委员会"))
    act(services, number, lambda d, c: d.note(c, "市民情绪激动，注意沟通", internal=True))
    assert load(services, number).status == "assigned"
    assert all("情绪" not in text for text in pushes_to(services, "chat-u1"))
    assert "情绪" not in citizen.says(f"查看进度 {number}")


def test_illegal_transitions_are_refused_and_change_nothing(citizen, services):
    number = citizen.files()
    citizen.says(f"撤回 {number}")
    with pytest.raises(ActionRefused, match="当前状态为已撤回，不能办结"):
        act(services, number, lambda d, c: d.resolve(c, "已解决"))
    with pytest.raises(ActionRefused, match="不能交办"):
        act(services, number, lambda d, c: d.assign(c, "市卫生健康委员会"))
    case = load(services, number)
    assert case.status == "withdrawn" and case.result is None
    assert [e.kind for e in case.events] == ["received", "withdrawn"]


def test_unknown_department_is_refused_with_suggestions(citizen, services):
    number = citizen.files()
    with pytest.raises(ActionRefused) as refused:
        act(services, number, lambda d, c: d.assign(c, "不存在的局"))
    assert "市卫生健康委员会" in str(refused.value)


def test_merge_moves_the_citizen_to_the_surviving_case(citizen, neighbour, services):
    first = citizen.files(problem="我们小区暖气不热，整栋楼都冷，已经三天了", district="金水区")
    second = neighbour.files(problem="小区暖气一直不热，家里有老人孩子冻得受不了", name="王先生",
                             phone="13800138000", district="金水区")
    act(services, second, lambda d, c: d.merge(c, first))
    merged = load(services, second)
    assert merged.status == "merged" and merged.merged_into.number == first
    assert f"请关注 {first} 的进展" in pushes_to(services, "chat-u2")[-1]
    progress = neighbour.says("查看进度")
    assert first in progress and second in progress
    assert first in neighbour.says(f"查看进度 {first}")
    act(services, first, lambda d, c: d.resolve(c, "热力公司已维修管道"))
    assert "热力公司已维修管道" in pushes_to(services, "chat-u2")[-1]
    assert "热力公司已维修管道" in pushes_to(services, "chat-u1")[-1]
    assert "没有找到" in neighbour.says(f"撤回 {first}"), "a follower cannot withdraw another's case"


def test_merge_into_itself_or_a_closed_case_is_refused(citizen, services):
    number = citizen.files()
    other = citizen.files(problem="另外想问一下小区什么时候解封")
    with pytest.raises(ActionRefused, match="它自己"):
        act(services, number, lambda d, c: d.merge(c, number))
    act(services, other, lambda d, c: d.reject(c, "重复提交"))
    with pytest.raises(ActionRefused, match="不能作为合并目标"):
        act(services, number, lambda d, c: d.merge(c, other))


def test_reject_tells_the_citizen_why(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.reject(c, "测试消息"))
    assert load(services, number).status == "invalid"
    assert "测试消息" in pushes_to(services, "chat-u1")[-1]


def test_reopen_after_resolution(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.resolve(c, "已解决"))
    act(services, number, lambda d, c: d.reopen(c, "市民反映仍未解决"))
    case = load(services, number)
    assert case.status == "in_progress" and case.resolved_at is None and case.revisit_due_at is None


def test_reveal_phone_only_for_supervisors_and_recorded(citizen, services):
    number = citizen.files(phone="13911112222")
    with pytest.raises(ActionRefused, match="没有权限"):
        act(services, number, lambda d, c: d.reveal_phone(c))
    boss = Actor("telegram:9", "王主任", role=SUPERVISOR)
    assert act(services, number, lambda d, c: d.reveal_phone(c), actor=boss) == "13911112222"
    assert load(services, number).events[-1].kind == "phone_revealed"


def test_recategorise_is_recorded_for_learning(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.recategorise(c, "疫情政策"))
    case = load(services, number)
    assert case.category == "疫情政策"
    event = case.events[-1]
    assert event.data["old"] == "寻医买药" and event.data["new"] == "疫情政策" and event.data["problem"]


def test_card_offers_only_the_allowed_next_steps(citizen, services):
    number = citizen.files()
    assert allowed_actions(load(services, number)) == ["contacted", "assign", "note", "resolve", "merge", "reject"]
    act(services, number, lambda d, c: d.resolve(c, "已解决"))
    assert allowed_actions(load(services, number)) == ["contacted", "note", "reopen"]
    act(services, number, lambda d, c: d.reopen(c, "未解决"))
    act(services, number, lambda d, c: d.resolve(c, "已解决"))
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        case = desk.case(number)
        from handlers.cases.states import Status
        from handlers.cases.timeline import change_status

        change_status(session, case, Status.CLOSED, kind="closed", actor="system", at=desk.now, public=False)
    assert allowed_actions(load(services, number)) == []


def test_each_action_queues_a_card_update(citizen, services):
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, "市卫生健康委员会"))
    act(services, number, lambda d, c: d.note(c, "处理中"))
    with services.db.reading() as session:
        updates = session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "log")
        ).all()
    kinds = [row.payload["kind"] for row in updates]
    assert kinds.count("case_card_update") == 2 and kinds.count("case_card") == 1


def test_queue_lists_open_cases_urgent_first_then_by_deadline(citizen, neighbour, services, clock):
    from handlers.staff.views import queue_text

    plain = neighbour.files(problem="请问现在离开郑州需要什么条件，高铁还能坐吗", name="王先生", phone="13800138000")
    clock.advance(minutes=30)
    urgent = citizen.files()
    done = citizen.files(problem="小区门口的垃圾好几天没人清理了")
    act(services, done, lambda d, c: d.resolve(c, "已清理"))
    with services.db.reading() as session:
        text = queue_text(session, services)
    assert "共2件" in text and done not in text
    assert text.index(urgent) < text.index(plain)


def test_case_view_shows_card_and_timeline_with_internal_notes_marked(citizen, services):
    from handlers.staff.views import case_text

    number = citizen.files(phone="13912345678")
    act(services, number, lambda d, c: d.note(c, "注意核实", internal=True))
    with services.db.reading() as session:
        text = case_text(session, services, number)
        assert case_text(session, services, "ZZ20990101-0001") is None
    assert number in text and "139****5678" in text and "13912345678" not in text
    assert "注意核实（内部） · telegram:501/李娜" in text


def test_stats_text_has_the_command_centre_figures(citizen, services):
    from handlers.staff.views import stats_text

    number = citizen.files()
    act(services, number, lambda d, c: d.resolve(c, "已安排"))
    with services.db.reading() as session:
        text = stats_text(session, services, services.local(services.clock.now()).date())
    assert "受理 1 件（紧急 1）" in text and "办结 1 件（紧急 1）" in text and "寻医买药 1" in text
