"""待确认紧急: a case only the learned score (or only a rule) calls urgent reaches staff at once with
确认紧急 / 不紧急, its contact clock runs as for urgent, and staff are told again if nobody decides in time.
Identifiers the citizen typed into the problem are masked for everyone but a supervisor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from support.world import at

from bot.telegram.staff_card import URGENT_NO, URGENT_YES, card_keyboard
from handlers.cases.actions import Actor, CaseDesk
from handlers.cases.view import case_view
from handlers.staff.notices import staff_card
from handlers.timers.urgency_confirm import sweep_unconfirmed
from storage.models import Case, OutboxMessage

STAFF = Actor("telegram:501", "李娜")
POSSIBLY = "我奶奶八十多了一个人在家，电话打不通"  # no rule, the score says urgent
PLAIN = "请问现在离开郑州需要什么条件，高铁还能坐吗"


def load(services, number) -> Case:
    with services.db.reading() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        _ = case.events
        return case


def staff_texts(services) -> list[str]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "log")).all()
        return [row.payload["text"] for row in rows if row.payload["kind"] == "staff_text"]


def decide(services, number, urgent: bool) -> None:
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        desk.set_urgency(desk.case(number), urgent)


def test_a_possibly_urgent_case_gets_the_urgent_clock_and_the_buttons(citizen, services):
    citizen.pause = 0
    number = citizen.files(problem=POSSIBLY)
    case = load(services, number)
    assert case.urgency == "待确认紧急" and not case.urgent
    assert case.contact_due - case.created_at == timedelta(hours=1)
    assert case.resolve_due - case.created_at == timedelta(hours=3)  # as for urgent until staff decide
    card = staff_card(services, case.id)
    assert card.possibly_urgent and "待确认紧急" in card.text
    keyboard = card_keyboard(services.taxonomy.texts, card)
    first_row = [button.callback_data for button in keyboard.inline_keyboard[0]]
    assert first_row == [f"yb:{URGENT_YES}:{number}", f"yb:{URGENT_NO}:{number}"]


def test_confirming_makes_it_urgent_and_takes_the_buttons_away(citizen, services):
    citizen.pause = 0
    number = citizen.files(problem=POSSIBLY)
    decide(services, number, True)
    case = load(services, number)
    assert (case.urgency, case.urgent) == ("紧急", True)
    assert not staff_card(services, case.id).possibly_urgent
    assert any(event.kind == "urgency_changed" for event in case.events)


def test_undecided_after_fifteen_minutes_staff_are_told_once(citizen, services, clock):
    citizen.pause = 0
    number = citizen.files(problem=POSSIBLY)
    filed = load(services, number).created_at
    clock.set(filed + timedelta(minutes=14))
    assert sweep_unconfirmed(services, clock.now()).told == 0
    clock.set(filed + timedelta(minutes=15))
    assert sweep_unconfirmed(services, clock.now()).told == 1
    assert sweep_unconfirmed(services, clock.now()).told == 0
    [told] = [text for text in staff_texts(services) if "【待确认紧急】" in text]
    assert number in told and "15分钟" in told


def test_a_cleared_case_is_not_chased(citizen, services, clock):
    citizen.pause = 0
    number = citizen.files(problem=POSSIBLY)
    decide(services, number, False)
    assert load(services, number).urgency == "一般"
    clock.set(at("2022-01-10 12:00"))
    assert sweep_unconfirmed(services, clock.now()).told == 0


def test_a_plain_case_has_no_confirmation_buttons(citizen, services):
    citizen.pause = 0
    number = citizen.files(problem=PLAIN)
    case = load(services, number)
    assert case.urgency == "一般" and not staff_card(services, case.id).possibly_urgent


# ---------------------------------------------------------------- identifiers in the problem

ID_NUMBER = "410105198001011239"  # a valid check digit
PROBLEM_WITH_IDS = f"帮我查下健康码，身份证{ID_NUMBER}，我儿子电话＋８６ １３８-１２３４-５６７８，座机0371-65123456"


def test_identifiers_in_the_problem_are_masked_on_the_card_and_in_case_show(citizen, services):
    citizen.pause = 0
    number = citizen.files(problem=PROBLEM_WITH_IDS)
    case = load(services, number)
    card = staff_card(services, case.id).text
    for secret in (ID_NUMBER, "1234-５６７８", "65123456"):
        assert secret not in card
    assert "410***********1239" in card and "138****5678" in card and "0371-****3456" in card
    with services.db.reading() as session:
        shown = case_view(services, session.get(Case, case.id))
        revealed = case_view(services, session.get(Case, case.id), reveal=True)
    assert ID_NUMBER not in shown["problem"] and ID_NUMBER in revealed["problem"]
