"""Staff on WeChat get each new case from a WeCom group robot, within the robot's 20 messages a minute."""

from __future__ import annotations

from sqlalchemy import select
from support.wechat_stand_in import ROBOT

from bot.wecom.quota import MinuteQuota
from bot.wecom.robot import MAX_MARKDOWN_BYTES, markdown_card
from storage.models import OutboxMessage


def test_rate_limited_robot_backs_off_a_minute_and_the_card_goes_out_after(wechat):
    number = wechat.citizen().files()
    wechat.stand_in.inject(ROBOT, 130101)
    wechat.deliver()
    with wechat.services.db.reading() as session:
        card = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "wecom")).one()
        assert card.status == "pending" and "130101" in card.last_error
        assert (card.next_attempt_at - wechat.services.clock.now()).total_seconds() == 60
    wechat.services.clock.advance(seconds=30)
    assert wechat.deliver() == 0, "not due yet"
    wechat.services.clock.advance(seconds=31)
    wechat.deliver()
    assert [call.errcode for call in wechat.stand_in.attempts(ROBOT)] == [130101, 0]
    [sent] = wechat.stand_in.delivered(ROBOT)
    assert number in sent["markdown"]["content"]


def test_the_card_is_markdown_with_a_bold_first_line_and_fits_the_robot():
    from config import load_taxonomy
    from config.settings import DEFAULT_TAXONOMY

    texts = load_taxonomy(DEFAULT_TAXONOMY).texts
    assert (
        markdown_card(texts, "🔴 紧急 【新求助】ZZ1\n类别：寻医买药")
        == "**🔴 紧急 【新求助】ZZ1**\n类别：寻医买药"
    )
    long = markdown_card(texts, "【新求助】ZZ2\n问题：" + "透析" * 2000)
    assert len(long.encode("utf-8")) <= MAX_MARKDOWN_BYTES and long.endswith(texts.wecom_truncated)


class Ticking:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_quota_lets_20_through_a_minute_and_gives_each_waiting_row_its_own_slot():
    clock = Ticking()
    quota = MinuteQuota(20, clock)
    assert [quota.wait_for(row) for row in range(20)] == [0.0] * 20
    waits = [quota.wait_for(row) for row in range(20, 45)]
    assert waits[:20] == [60.0] * 20, "the 21st to 40th message go a minute after the first twenty"
    assert waits[20:] == [120.0] * 5
    clock.now += 30
    assert quota.wait_for(20) == 30.0, "a row back early waits for its own slot, not a new one"
    clock.now += 30
    assert all(quota.wait_for(row) == 0.0 for row in range(20, 40)), "each reserved row goes at its slot"
    assert quota.wait_for(45) == 60.0, "a newcomer queues behind the reservations"


def test_quota_holds_back_when_the_platform_says_the_minute_is_used_up():
    clock = Ticking()
    quota = MinuteQuota(20, clock)
    quota.pause(60)
    assert quota.wait_for(1) == 60.0
    clock.now += 60
    assert quota.wait_for(1) == 0.0
