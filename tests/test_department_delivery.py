"""The handover reaches the department wherever it is: a WeCom robot, a Telegram chat (with 签收 there),
an e-mail through an SMTP server — each a stand-in on loopback — through the outbox, with its retries."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from pydantic import SecretStr
from sqlalchemy import select
from support.desks import act, case_of
from support.telegram_world import buttons, group_chat
from support.wechat_stand_in import ROBOT

from bot.application import senders
from bot.dispatcher import Dispatcher
from handlers.cases.actions import Actor
from handlers.departments.contacts import set_contacts
from storage.models import OutboxMessage

HEALTH = "市卫生健康委员会"
HEALTH_CHAT = -1009876543210
STAFF = Actor("telegram:501", "李娜")




def outbox_rows(services, channel) -> list[OutboxMessage]:
    with services.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel)))


# ---------------------------------------------------------------- a WeCom robot


def test_the_department_robot_gets_the_handover_as_markdown(wechat):
    services = wechat.services
    staff_robot = services.settings.wecom_webhook_url.get_secret_value()
    set_contacts(services, HEALTH, {"wecom": staff_robot.replace("robot-key", "health-robot-key")})
    number = wechat.citizen().files()
    wechat.deliver()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    wechat.stand_in.inject(ROBOT, 130101)  # the department's robot says its minute is used up
    wechat.deliver()
    [handover] = outbox_rows(services, "dept-wecom")
    assert handover.status == "pending" and "130101" in handover.last_error
    services.clock.advance(seconds=61)
    wechat.deliver()
    [sent] = [body["markdown"]["content"] for body in wechat.stand_in.delivered(ROBOT)
              if "【交办】" in body["markdown"]["content"]]
    assert sent.startswith(f"**🔴 紧急 【交办】{number}**")
    assert "139****5678" in sent and "13912345678" not in sent
    assert outbox_rows(services, "dept-wecom")[0].status == "sent"


# ---------------------------------------------------------------- a Telegram chat, and 签收 there


def test_the_department_chat_gets_a_sign_button_and_accepting_there_tells_the_citizen(telegram):
    services = telegram.services
    set_contacts(services, HEALTH, {"telegram": str(HEALTH_CHAT)})
    alice = telegram.citizen(1001, "张女士")
    number = alice.files()
    telegram.deliver()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    telegram.deliver()
    [handover] = telegram.api.sent(HEALTH_CHAT)
    assert handover["text"].startswith(f"🔴 紧急 【交办】{number}")
    assert "13912345678" not in handover["text"]
    shown = telegram.api.message(HEALTH_CHAT, handover["_message_id"])
    assert list(buttons(shown)) == ["签收"]

    elsewhere = group_chat(-100111, "别的群")
    stranger = telegram.staff(9001, "路人", chat=elsewhere)
    refused = stranger.presses_data(f"yb:accept:{number}", {**shown, "chat": elsewhere})
    assert refused["show_alert"] and case_of(services, number).status == "assigned"

    clerk = telegram.staff(801, "卫健委小陈", chat=group_chat(HEALTH_CHAT, "卫健委工作群"))
    answer = clerk.presses("签收", shown)
    assert number in answer["text"]
    case = case_of(services, number)
    assert case.status == "in_progress" and case.accepted_at is not None
    assert (case.events[-1].kind, case.events[-1].actor) == ("accepted", "telegram:801/卫健委小陈")
    assert buttons(telegram.api.message(HEALTH_CHAT, handover["_message_id"])) == {}, "the button is gone"
    telegram.deliver()
    assert telegram.api.texts(1001)[-1] == f"【{number}】{HEALTH}已签收您的求助，正在办理。"
    again = clerk.presses_data(f"yb:accept:{number}", shown)
    assert "已由市卫生健康委员会" in again["text"]


def test_a_handover_handed_back_before_it_went_out_is_not_sent(telegram):
    services = telegram.services
    set_contacts(services, HEALTH, {"telegram": str(HEALTH_CHAT)})
    number = telegram.citizen(1002).files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    act(services, number, lambda d, c: d.assign(c, "市交通运输局"))
    telegram.deliver()
    assert telegram.api.sent(HEALTH_CHAT) == []
    [handover] = [row for row in outbox_rows(services, "telegram") if row.target == str(HEALTH_CHAT)]
    assert handover.status == "sent", "nothing to send is done with"


# ---------------------------------------------------------------- e-mail


class Mailbox:
    """An SMTP server's handler: keeps what it accepts, or answers RCPT with the code a test sets."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.refuse_with: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (the controller checks its own start by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mailing(services, smtp_server):
    mailbox, port = smtp_server
    configured = dataclasses.replace(services, settings=services.settings.model_copy(update={
        "smtp_url": SecretStr(f"smtp+plain://127.0.0.1:{port}"), "smtp_sender": "yibang@zz.gov.cn"}))
    dispatcher = Dispatcher(configured, senders(configured, []))
    return configured, mailbox, lambda: asyncio.run(dispatcher.run_once())


def test_the_department_mailbox_gets_the_handover(citizen, mailing):
    services, mailbox, deliver = mailing
    set_contacts(services, HEALTH, {"email": "wjw@zz.gov.cn"})
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    deliver()
    [mail] = mailbox.received
    assert mail.mail_from == "yibang@zz.gov.cn" and mail.rcpt_tos == ["wjw@zz.gov.cn"]
    message = message_from_bytes(mail.original_content, policy=default)
    assert message["Subject"] == f"【紧急交办】{number} 寻医买药 金水区"
    body = message.get_content()
    assert f"【交办】{number}" in body and "139****5678" in body and "13912345678" not in body
    assert "请在工作台签收" in body


def test_a_mailbox_that_does_not_exist_is_a_dead_letter_and_a_full_one_is_tried_again(citizen, mailing):
    services, mailbox, deliver = mailing
    set_contacts(services, HEALTH, {"email": "wjw@zz.gov.cn"})
    number = citizen.files()
    act(services, number, lambda d, c: d.assign(c, HEALTH))
    mailbox.refuse_with = ["452 4.2.2 Mailbox full"]
    deliver()
    [row] = outbox_rows(services, "dept-email")
    assert row.status == "pending" and "452" in row.last_error
    services.clock.advance(minutes=5)
    mailbox.refuse_with = ["550 5.1.1 No such user"]
    deliver()
    [row] = outbox_rows(services, "dept-email")
    assert row.status == "failed" and "550" in row.last_error and mailbox.received == []
