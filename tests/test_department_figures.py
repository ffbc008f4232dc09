"""Each department's day in the figures: handed, accepted in time, resolved in time, handed back, and the
citizens' satisfaction — in `stats`, /stats and the daily report."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from support.desks import act as desk_act
from support.world import at

from handlers.cases.actions import SUPERVISOR, Actor
from handlers.departments.workflow import accept, hand_back
from handlers.reports.statistics import figures_of_day
from handlers.staff.views import stats_text
from handlers.timers.daily_report import report_of_day
from handlers.timers.revisits import sweep_revisits

HEALTH = "市卫生健康委员会"
TRANSPORT = "市交通运输局"
CHIEF = Actor("cli:wang", "王主任", role=SUPERVISOR)
act = partial(desk_act, actor=CHIEF)



def test_a_day_of_two_departments(citizen, neighbour, services, clock):
    first = citizen.files()  # urgent: 30 minutes to accept, 3 hours to resolve
    act(services, first, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=10)
    act(services, first, accept)
    clock.advance(minutes=50)
    act(services, first, lambda d, c: d.resolve(c, "已安排专车送医透析"))

    second = neighbour.files()
    act(services, second, lambda d, c: d.assign(c, TRANSPORT))
    act(services, second, lambda d, c: hand_back(d, c, "不属于交通部门"))
    act(services, second, lambda d, c: d.assign(c, HEALTH))
    clock.advance(minutes=45)
    act(services, second, accept)  # 45 minutes: late for an urgent case

    clock.set(clock.now() + timedelta(hours=2))
    sweep_revisits(services, clock.now())
    citizen.says("1")  # 已解决
    citizen.says("满意")

    figures = {each.department: each.as_dict() for each in figures_of_day(services, at("2022-01-10 00:00").date())
               .departments}
    assert list(figures) == [TRANSPORT, HEALTH], "in the taxonomy's order, only those with something to count"
    assert figures[HEALTH] == {"department": HEALTH, "handed": 2, "accepted": 2, "accepted_on_time": 1,
                               "resolved": 1, "resolved_on_time": 1, "returned": 0, "satisfied": 1, "rated": 1}
    assert figures[TRANSPORT] == {"department": TRANSPORT, "handed": 1, "accepted": 0, "accepted_on_time": 0,
                                  "resolved": 0, "resolved_on_time": 0, "returned": 1, "satisfied": 0, "rated": 0}

    lines = [f"{TRANSPORT}：交办 1，按时签收 0，按时办结 0，退回 1，满意 —",
             f"{HEALTH}：交办 2，按时签收 1，按时办结 1，退回 0，满意 1/1"]
    report = report_of_day(services, at("2022-01-10 00:00").date()).text.splitlines()
    header = report.index("各部门：")
    assert report[header + 1:header + 3] == lines
    with services.db.reading() as session:
        assert stats_text(session, services, at("2022-01-10 00:00").date()).splitlines()[-2:] == lines


def test_a_quiet_day_has_no_department_lines(services):
    report = report_of_day(services, at("2022-01-10 00:00").date()).text
    assert "各部门" not in report
    assert figures_of_day(services, at("2022-01-10 00:00").date()).as_dict()["departments"] == []
