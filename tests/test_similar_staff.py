"""Staff see a group of similar cases on the card (相似求助 N 件, a button that merges it) and the largest open
groups in the daily report."""

from __future__ import annotations

from support.telegram_world import buttons
from test_similar import HEATING, file_all
from test_staff_actions import load

from handlers.staff.notices import staff_card
from handlers.timers.daily_report import report_of_day


def test_the_card_shows_the_group_and_the_followers(services):
    numbers = file_all(services, HEATING)
    card = staff_card(services, load(services, numbers[1]).id)
    assert card.similar == 3
    assert f"相似求助 3 件（最早 {numbers[0]}）" in card.text
    alone = file_all(services, ["二七区长江路铁路家属院垃圾站满了，封控以后环卫车就没来过"], district="二七区")[0]
    lonely = staff_card(services, load(services, alone).id)
    assert lonely.similar == 0 and "相似求助" not in lonely.text


def test_the_daily_report_lists_the_largest_open_groups(services, clock):
    numbers = file_all(services, HEATING)
    file_all(services, ["商都里 没水 两天了", "商都里小区停水两天了，没有任何通知"], district="管城回族区")
    clock.advance(hours=5)
    text = report_of_day(services, services.local(clock.now()).date()).text
    hot = text.split("相似求助热点", 1)[1].splitlines()
    assert "阳光花园" in hot[1] and "3 件" in hot[1] and "5小时" in hot[1] and numbers[0] in hot[1]
    assert "商都里" in hot[2] and "2 件" in hot[2]


def test_the_telegram_card_merges_the_group_with_one_button(telegram):
    numbers = []
    for index, text in enumerate(HEATING):
        numbers.append(telegram.citizen(2001 + index).files(problem=text, district="金水区", phone=f"1390000{index:04d}"))
    telegram.deliver()
    card = telegram.card(numbers[2])
    label = "合并相似求助（3 件）"
    assert label in buttons(card) and "相似求助 3 件" in card["text"]
    answer = telegram.staff(501, "李娜").presses(label, card)
    assert numbers[0] in answer["text"]
    assert [load(telegram.services, n).status for n in numbers] == ["received", "merged", "merged"]
