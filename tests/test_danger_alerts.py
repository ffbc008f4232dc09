"""A danger alert staff can act on: channel and chat, district, trigger words, name and phone once given,
and a 10-minute deadline repeated until someone presses 已联系."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from bot.telegram.staff_card import DANGER, danger_keyboard, parse_press
from handlers.staff.danger_alerts import ALERT_ID, chat_link, contacted, sweep_danger_alerts
from handlers.staff.directory import StaffUser
from storage.models import DangerAlert, OutboxMessage

LABOUR = "我老婆怀孕38周，羊水破了，小区封控出不去，怎么办"
STAFF_CHAT = "-100999"


def alerts_to_staff(services) -> list[dict]:
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [row.payload for row in rows if ALERT_ID in row.payload]


def the_alert(services) -> DangerAlert:
    with services.db.reading() as session:
        return session.scalars(select(DangerAlert)).one()


def test_the_alert_says_who_where_and_why_at_once(citizen, services):
    citizen.send(LABOUR)
    [first] = alerts_to_staff(services)
    alert = the_alert(services)
    assert first[ALERT_ID] == alert.id and alert.due_at - alert.created_at == timedelta(minutes=10)
    text = first["text"]
    assert "紧急预警（120）" in text and "10分钟内联系" in text
    assert f"渠道：{alert.channel} {alert.chat_key}" in text
    assert "触发词：" in text and "羊水破" in text and "临产" in text
    none = services.taxonomy.texts.masked_none
    assert f"联系人：{none} {none}" in text  # not given yet


def test_repeated_every_ten_minutes_with_name_and_phone_once_given_until_contacted(citizen, services, clock):
    citizen.send(LABOUR)
    citizen.finish(problem="", name="陈先生", phone="13912345678", district="金水区")
    start = the_alert(services).created_at
    clock.set(start + timedelta(minutes=9))
    assert sweep_danger_alerts(services, clock.now()) == 0
    clock.set(start + timedelta(minutes=10))
    assert sweep_danger_alerts(services, clock.now()) == 1
    assert sweep_danger_alerts(services, clock.now()) == 0  # not again within the next ten minutes
    repeated = alerts_to_staff(services)[-1]["text"]
    assert "陈*" in repeated and "139****5678" in repeated and "13912345678" not in repeated
    assert "区县：金水区" in repeated and "案件：" in repeated
    clock.set(start + timedelta(minutes=20))
    assert sweep_danger_alerts(services, clock.now()) == 1

    staff = StaffUser("telegram", "501", "李娜", STAFF_CHAT)
    settings = services.settings.model_copy(update={"telegram_staff_chat_id": int(STAFF_CHAT)})
    in_chat = dataclasses.replace(services, settings=settings)
    said = contacted(in_chat, staff, "cb-1", the_alert(services).id)
    assert said == services.taxonomy.texts.staff_danger_contacted
    assert contacted(in_chat, staff, "cb-1", the_alert(services).id) is None  # a redelivered press
    assert the_alert(services).contacted_by == "telegram:501"
    clock.set(start + timedelta(hours=1))
    assert sweep_danger_alerts(services, clock.now()) == 0


def test_a_stranger_cannot_mark_it_contacted(citizen, services):
    citizen.send(LABOUR)
    stranger = StaffUser("telegram", "666", "路人", "-1")
    assert contacted(services, stranger, "cb-2", the_alert(services).id) == services.taxonomy.texts.staff_refused
    assert the_alert(services).contacted_at is None


def test_a_supposition_raises_no_alert(citizen, services):
    citizen.send("万一家里着火了怎么办，先打119吗")
    assert alerts_to_staff(services) == []


def test_telegram_links_to_the_private_chat_and_the_button_says_which_alert(taxonomy):
    assert chat_link("telegram", "123456") == "tg://user?id=123456"
    assert chat_link("wechat", "oABC") == "oABC"
    [[button]] = danger_keyboard(taxonomy.texts, 7).inline_keyboard
    assert button.text == "已联系"
    press = parse_press(button.callback_data)
    assert (press.action, press.number) == (DANGER, "7")
