"""Later news for a WeChat citizen: a customer-service message within 48 hours of their last message, a
template message after that, and a phone call by staff when WeChat allows neither."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.wechat_stand_in import CUSTOM, ROBOT, TEMPLATE

from handlers.cases.actions import Actor, CaseDesk
from storage import outbox
from storage.models import Case, OutboxMessage

STAFF = Actor("cli:li", "李")
NOTE = "已联系社区卫生服务中心，明早安排车辆接送透析。"


def staff_note(wechat, text: str = NOTE) -> None:
    """A staff member's public note (回复) on the only case: the citizen is told through the outbox."""
    services = wechat.services
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, STAFF, services.clock.now())
        desk.note(session.scalars(select(Case)).one(), text)


def revisit_prompt(wechat) -> None:
    """A question with choices for the citizen, as the revisit sweep queues it."""
    services = wechat.services
    with services.db.transaction() as session:
        case = session.scalars(select(Case)).one()
        outbox.enqueue(
            session,
            channel=case.channel,
            target=case.chat_key,
            payload={"kind": "citizen_update", "text": "问题解决了吗？", "choices": ["已解决", "未解决"]},
            dedupe_key=f"revisit:{case.id}",
            now=services.clock.now(),
            case_id=case.id,
        )


def test_within_48_hours_news_goes_as_customer_service_messages_with_numbered_choices(wechat):
    citizen = wechat.citizen()
    number = citizen.files()
    wechat.services.clock.advance(hours=47)
    staff_note(wechat)
    revisit_prompt(wechat)
    wechat.deliver()
    note, revisit = wechat.stand_in.delivered(CUSTOM)
    assert note["touser"] == citizen.openid == revisit["touser"]
    assert note["text"]["content"] == f"【{number}】办理进展：{NOTE}"
    assert revisit["text"]["content"] == "问题解决了吗？\n回复 1 选择 已解决\n回复 2 选择 未解决"
    assert wechat.stand_in.tokens_issued == 1


@pytest.mark.wechat(wechat_template_id="TPL-progress")
def test_update_after_48_hours_goes_as_a_template_message(wechat):
    citizen = wechat.citizen()
    number = citizen.files()
    wechat.services.clock.advance(hours=48, minutes=1)
    staff_note(wechat)
    wechat.deliver()
    assert wechat.stand_in.attempts(CUSTOM) == []
    [sent] = wechat.stand_in.delivered(TEMPLATE)
    assert sent["touser"] == citizen.openid and sent["template_id"] == "TPL-progress"
    assert sent["data"]["keyword1"]["value"] == number
    assert sent["data"]["keyword2"]["value"] == f"【{number}】办理进展：{NOTE}"
    assert wechat.only_case().needs_phone_call is False


@pytest.mark.wechat(wechat_template_id="TPL-progress")
def test_a_message_from_the_citizen_opens_the_window_again(wechat):
    citizen = wechat.citizen()
    citizen.files()
    wechat.services.clock.advance(hours=60)
    citizen.says("查看进度")
    staff_note(wechat)
    wechat.deliver()
    assert len(wechat.stand_in.delivered(CUSTOM)) == 1 and wechat.stand_in.delivered(TEMPLATE) == []


def test_after_48_hours_without_a_template_staff_are_told_to_phone(wechat):
    number = wechat.citizen().files()
    wechat.deliver()  # the new-case card
    wechat.services.clock.advance(days=3)
    staff_note(wechat)
    wechat.deliver()  # the push: no way on WeChat
    wechat.deliver()  # the staff notice it queued
    assert wechat.stand_in.attempts(CUSTOM) == [] and wechat.stand_in.attempts(TEMPLATE) == []
    case = wechat.only_case()
    assert case.needs_phone_call is True
    robot = [body["markdown"]["content"] for body in wechat.stand_in.delivered(ROBOT)]
    [notice] = [text for text in robot if "请电话联系" in text]
    assert number in notice and "超过48小时" in notice and NOTE in notice
    assert "139****5678" in notice and "13912345678" not in notice
    with wechat.services.db.reading() as session:
        push = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "wechat")).one()
        assert push.status == "failed" and "48" in push.last_error
        kinds = [event.kind for event in session.get(Case, case.id).events]
    assert "phone_call_needed" in kinds


@pytest.mark.wechat(wechat_template_id="TPL-progress")
def test_window_closed_errcode_45015_falls_back_to_the_template(wechat):
    wechat.citizen().files()
    wechat.stand_in.inject(CUSTOM, 45015)
    staff_note(wechat)
    wechat.deliver()
    assert [call.errcode for call in wechat.stand_in.attempts(CUSTOM)] == [45015]
    assert len(wechat.stand_in.delivered(TEMPLATE)) == 1


def test_a_rejected_token_is_refreshed_once_and_the_message_sent_again(wechat):
    wechat.citizen().files()
    staff_note(wechat)
    wechat.stand_in.inject(CUSTOM, 40001)
    wechat.deliver()
    attempts = wechat.stand_in.attempts(CUSTOM)
    assert [call.errcode for call in attempts] == [40001, 0]
    assert [call.token for call in attempts] == ["TOKEN-1", "TOKEN-2"]
    assert wechat.stand_in.tokens_issued == 2


def test_a_token_rejected_twice_is_not_refreshed_again_but_retried_later(wechat):
    wechat.citizen().files()
    staff_note(wechat)
    wechat.stand_in.inject(CUSTOM, 42001, 42001)
    wechat.deliver()
    assert wechat.stand_in.tokens_issued == 2 and len(wechat.stand_in.attempts(CUSTOM)) == 2
    with wechat.services.db.reading() as session:
        push = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "wechat")).one()
        assert push.status == "pending" and "42001" in push.last_error
    wechat.services.clock.advance(minutes=5)
    wechat.deliver()
    assert len(wechat.stand_in.delivered(CUSTOM)) == 1


@pytest.mark.wechat(wechat_template_id="TPL-progress")
def test_a_citizen_who_unfollowed_is_phoned(wechat):
    citizen = wechat.citizen()
    citizen.files()
    citizen.event("unsubscribe")
    staff_note(wechat)
    wechat.deliver()
    assert wechat.stand_in.attempts(CUSTOM) == [] and wechat.stand_in.attempts(TEMPLATE) == []
    assert wechat.only_case().needs_phone_call is True
