"""At intake: a citizen telling a problem an open case already tells, at the same place, is offered to follow
it instead of filing again — never for an urgent problem, never across districts."""

from __future__ import annotations

from sqlalchemy import select
from support.citizens import Citizen
from test_staff_actions import act, load, pushes_to

from handlers.delivery.payloads import opened
from storage.models import CaseFollower, OutboxMessage

FIRST = "丰庆路阳光花园小区暖气不热，家里只有十三四度，物业说是换热站坏了"
AGAIN = "阳光花园小区暖气停了好几天了，屋里冷得很，物业说换热站坏了在修"
OFFER = "不再单独登记"


def staff_notes(services) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.target == "staff")).all()
        return [opened(services.cipher, row.payload).get("text", "") for row in rows]


def until_offer(person: Citizen, problem: str, district: str = "金水区") -> str:
    return person.reaches_confirmation(problem=problem, district=district, name="王女士", phone="13800001111")


def test_following_the_open_case_instead_of_filing_again(services):
    first = Citizen(services, user="a").files(problem=FIRST)
    second = Citizen(services, user="b")
    offer = until_offer(second, AGAIN)
    assert OFFER in offer and first in offer and "阳光花园" in offer
    followed = second.says("1")
    assert first in followed and "已受理" not in followed
    with services.db.reading() as session:
        followers = session.scalars(select(CaseFollower.user_key)).all()
    assert followers == ["b"]
    case = load(services, first)
    assert case.events[-1].kind == "followed" and "屋里冷得很" in case.events[-1].text
    assert any(first in note and "共 1 位关注" in note for note in staff_notes(services))
    assert first in second.says("查看进度")
    act(services, first, lambda d, c: d.resolve(c, "换热站水泵已更换"))
    assert "换热站水泵已更换" in pushes_to(services, "chat-b")[-1]


def test_filing_separately_goes_on_to_the_summary(services):
    first = Citizen(services, user="a").files(problem=FIRST)
    second = Citizen(services, user="b")
    assert OFFER in until_offer(second, AGAIN)
    summary = second.says("2")
    assert "确认提交吗" in summary
    filed = second.says("确认")
    assert "已受理" in filed and first not in filed


def test_no_offer_for_an_urgent_problem(services):
    Citizen(services, user="a").files(problem=FIRST)
    urgent = "阳光花园小区暖气停了，换热站坏了，家里老人刚做完透析发高烧"
    assert OFFER not in until_offer(Citizen(services, user="b"), urgent)


def test_no_offer_across_districts(services):
    Citizen(services, user="a").files(problem=FIRST)
    assert OFFER not in until_offer(Citizen(services, user="b"), AGAIN, district="中原区")


def test_no_offer_without_a_named_place_or_for_ones_own_case(services):
    Citizen(services, user="a").files(problem=FIRST)
    assert OFFER not in until_offer(Citizen(services, user="b"), "我们小区暖气停了好几天了，物业说换热站坏了")
    same = Citizen(services, user="a")
    assert OFFER not in until_offer(same, AGAIN)


def test_a_follower_is_revisited_in_their_own_chat_and_may_reopen_the_case(services):
    from support.world import at

    from handlers.timers.revisits import sweep_revisits

    owner = Citizen(services, user="a")
    first = owner.files(problem=FIRST)
    follower = Citizen(services, user="b")
    until_offer(follower, AGAIN)
    follower.says("1")
    services.clock.set(at("2022-01-10 11:00"))
    act(services, first, lambda d, c: d.resolve(c, "换热站水泵已更换"))
    services.clock.set(at("2022-01-10 13:30"))
    sweep_revisits(services, services.clock.now())
    assert "问题解决了吗" in pushes_to(services, "chat-b")[-1]
    assert "满意" in owner.says("1")
    assert "满意" in follower.says("1"), "a follower answers after the case's own citizen did"
    assert "答复已转给工作人员" in follower.says("1")
    case = load(services, first)
    assert case.status == "revisited" and [e.kind for e in case.events].count("revisit_follower") == 2
    owner.says("1")
    assert load(services, first).status == "closed"


def test_a_follower_saying_unsolved_reopens_the_case(services):
    from support.world import at

    from handlers.timers.revisits import sweep_revisits

    first = Citizen(services, user="a").files(problem=FIRST)
    follower = Citizen(services, user="b")
    until_offer(follower, AGAIN)
    follower.says("1")
    act(services, first, lambda d, c: d.resolve(c, "换热站水泵已更换"))
    services.clock.set(at("2022-01-10 13:30"))
    sweep_revisits(services, services.clock.now())
    follower.says("3")
    assert load(services, first).status == "in_progress"
    follower.says("还是不热，只有十五度")
    assert "还是不热" in load(services, first).events[-1].text
