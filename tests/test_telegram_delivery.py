"""What yibang sends later on Telegram goes through the outbox: staff cards, pushes to citizens. Flood
control (429), the group limit, blocked users and network trouble delay or stop delivery, never lose it.
Time moves by the test's clock; nothing sleeps."""

from __future__ import annotations

from sqlalchemy import select
from support.telegram_world import STAFF_CHAT

from handlers.cases.actions import Actor, CaseDesk
from storage import outbox
from storage.models import Case, Conversation, OutboxMessage


def rows(telegram) -> list[OutboxMessage]:
    with telegram.services.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def push(telegram, chat_id: int, text: str, key: str) -> None:
    """A progress update for a citizen, as the staff workflow queues it."""
    with telegram.services.db.transaction() as session:
        outbox.enqueue(session, channel="telegram", target=str(chat_id), dedupe_key=key,
                       payload={"kind": "citizen_update", "text": text}, now=telegram.clock.now())


def test_a_429_delays_the_card_by_retry_after_and_nothing_is_lost(telegram):
    telegram.citizen(1001).files()
    telegram.api.fail_next(status=429, description="Too Many Requests: retry after 30", retry_after=30,
                           chat_id=STAFF_CHAT)

    telegram.deliver()
    [card_row] = rows(telegram)
    assert card_row.status == "pending" and card_row.attempts == 0  # waiting its turn is not a failure
    assert (card_row.next_attempt_at - telegram.clock.now()).total_seconds() == 30
    assert telegram.api.sent(STAFF_CHAT) == []

    telegram.clock.advance(seconds=20)
    assert telegram.deliver() == 0  # not due yet
    telegram.clock.advance(seconds=11)
    assert telegram.deliver() == 1
    assert len(telegram.api.sent(STAFF_CHAT)) == 1
    assert rows(telegram)[0].status == "sent"


def test_429s_however_many_never_make_a_card_fail(telegram):
    telegram.citizen(1001).files()
    telegram.api.fail_next(status=429, description="Too Many Requests: retry after 5", retry_after=5,
                           chat_id=STAFF_CHAT, count=12)
    for _ in range(12):
        telegram.deliver()
        telegram.clock.advance(seconds=6)
    telegram.deliver()
    assert rows(telegram)[0].status == "sent"
    assert len(telegram.api.sent(STAFF_CHAT)) == 1


def test_the_staff_group_gets_at_most_20_messages_a_minute(telegram):
    with telegram.services.db.transaction() as session:
        for n in range(25):
            outbox.enqueue(session, channel="telegram", target=str(STAFF_CHAT), dedupe_key=f"notice-{n}",
                           payload={"kind": "staff_text", "text": f"通知 {n}"}, now=telegram.clock.now())

    telegram.deliver()
    assert len(telegram.api.sent(STAFF_CHAT)) == 20
    held = [row for row in rows(telegram) if row.status == "pending"]
    assert len(held) == 5 and all(row.attempts == 0 for row in held)

    telegram.clock.advance(seconds=30)
    telegram.deliver()
    assert len(telegram.api.sent(STAFF_CHAT)) == 20  # the minute is not over
    telegram.clock.advance(seconds=31)
    telegram.deliver()
    assert [m["text"] for m in telegram.api.sent(STAFF_CHAT)] == [f"通知 {n}" for n in range(25)]


def test_a_citizen_who_blocked_the_bot_is_recorded_and_not_tried_again(telegram):
    alice = telegram.citizen(1001)
    alice.files()
    telegram.api.block(alice.id)

    def tries() -> int:
        return sum(1 for call in telegram.api.called("sendMessage") if call["chat_id"] == str(alice.id))

    sends_before = tries()

    push(telegram, alice.id, "您的求助已交办", "update-1")
    telegram.deliver()
    assert rows(telegram)[-1].status == "failed" and "blocked" in rows(telegram)[-1].last_error
    with telegram.services.db.reading() as session:
        assert session.scalars(select(Conversation)).one().unreachable_at is not None
    assert tries() == sends_before + 1

    push(telegram, alice.id, "您的求助正在办理", "update-2")
    telegram.deliver()
    assert rows(telegram)[-1].status == "failed"
    assert tries() == sends_before + 1  # not even tried


def test_a_push_keeps_the_keyboard_the_citizen_is_using_and_can_bring_choices(telegram):
    alice = telegram.citizen(1001)
    alice.says("/start")
    push(telegram, alice.id, "您的求助已办结", "update-1")
    with telegram.services.db.transaction() as session:
        outbox.enqueue(session, channel="telegram", target=str(alice.id), dedupe_key="revisit-1",
                       payload={"kind": "citizen_update", "text": "满意吗？", "choices": ["满意", "不满意"]},
                       now=telegram.clock.now())
    telegram.deliver()
    plain, asking = telegram.api.sent(alice.id)[-2:]
    assert plain["text"] == "您的求助已办结" and "reply_markup" not in plain
    assert [b["text"] for row in asking["reply_markup"]["keyboard"] for b in row] == ["满意", "不满意"]


def test_a_reply_telegram_would_not_take_is_delivered_later_from_the_outbox(telegram):
    alice = telegram.citizen(1001)
    for answer in ("/start", "我母亲每周二四六做血液透析，小区封控了出不去", "2", "张女士", "13912345678", "金水区"):
        alice.says(answer)
    telegram.api.fail_next(status=429, description="Too Many Requests: retry after 3", retry_after=3,
                           chat_id=alice.id)
    assert alice.says("确认") == []  # the case is filed; its number could not be said yet

    telegram.clock.advance(seconds=4)
    telegram.deliver()
    [told] = [m for m in telegram.api.sent(alice.id) if "已受理" in m["text"]]
    assert "编号 ZZ20220110-0001" in told["text"] and "紧急" in told["text"]


def test_a_staff_group_that_refuses_the_bot_is_retried_then_left_for_a_person(telegram):
    telegram.citizen(1001).files()
    telegram.api.fail_next(status=403, description="Forbidden: bot was kicked from the supergroup chat",
                           chat_id=STAFF_CHAT, count=100)
    for _ in range(telegram.dispatcher.max_attempts):
        telegram.deliver()
        telegram.clock.advance(hours=1)
    [card_row] = rows(telegram)
    assert card_row.status == "failed" and "kicked" in card_row.last_error


def test_a_staff_group_upgraded_to_a_supergroup_still_gets_its_card(telegram):
    telegram.citizen(1001).files()
    migrated = -1009999999999
    telegram.api.fail_next(status=400, description="Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=migrated, chat_id=STAFF_CHAT)
    telegram.deliver()
    assert len(telegram.api.sent(migrated)) == 1
    assert rows(telegram)[0].status == "sent"


def test_when_staff_act_the_card_is_edited_in_place(telegram):
    number = telegram.citizen(1001).files()
    telegram.deliver()
    [card] = telegram.api.sent(STAFF_CHAT)
    chat_id, message_id = card_ref(telegram)

    staff_assign(telegram, number)
    telegram.deliver()
    [edit] = telegram.api.called("editMessageText")
    assert (int(edit["chat_id"]), int(edit["message_id"])) == (chat_id, message_id)
    assert "已交办" in edit["text"] and "139****5678" in edit["text"] and edit["text"] != card["text"]
    assert len(telegram.api.sent(STAFF_CHAT)) == 1  # edited, not posted again
    assert all(row.status == "sent" for row in rows(telegram))


def test_a_card_deleted_in_the_group_is_posted_again_when_staff_act(telegram):
    number = telegram.citizen(1001).files()
    telegram.deliver()
    chat_id, message_id = card_ref(telegram)
    telegram.api.delete_message(chat_id, message_id)

    staff_assign(telegram, number)
    telegram.deliver()
    assert len(telegram.api.sent(STAFF_CHAT)) == 2
    assert "已交办" in telegram.api.sent(STAFF_CHAT)[-1]["text"]
    assert card_ref(telegram) != (chat_id, message_id)


def test_a_card_not_posted_yet_needs_no_edit(telegram):
    number = telegram.citizen(1001).files()
    telegram.api.fail_next(status=429, description="Too Many Requests: retry after 30", retry_after=30,
                           chat_id=STAFF_CHAT)
    telegram.deliver()
    staff_assign(telegram, number)
    telegram.deliver()
    assert telegram.api.called("editMessageText") == []
    telegram.clock.advance(seconds=31)
    telegram.deliver()
    [card] = telegram.api.sent(STAFF_CHAT)
    assert "已交办" in card["text"]  # rendered when it went, so it shows the state then


def card_ref(telegram) -> tuple[int, int]:
    with telegram.services.db.reading() as session:
        chat_id, message_id = session.scalars(select(Case)).one().staff_messages["telegram"].rsplit(":", 1)
        return int(chat_id), int(message_id)


def staff_assign(telegram, number: str) -> None:
    with telegram.services.db.transaction() as session:
        desk = CaseDesk(telegram.services, session, Actor("telegram:501", "李娜"), telegram.clock.now())
        desk.assign(desk.case(number), "市卫生健康委员会")


def test_an_edit_that_changes_nothing_is_done(telegram):
    number = telegram.citizen(1001).files()
    telegram.deliver()
    staff_assign(telegram, number)
    telegram.deliver()
    staff_assign(telegram, number)  # the same department again: the card reads the same
    telegram.deliver()
    assert len(telegram.api.called("editMessageText")) == 2
    assert all(row.status == "sent" for row in rows(telegram) if row.payload["kind"] == "case_card_update")
