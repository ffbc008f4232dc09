"""The outbox dispatcher: retries with backoff, a platform's "wait" uses no attempt, give-ups are final."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.dispatcher import Dispatcher, GiveUp, RetryLater, Sent
from storage import outbox
from storage.models import OutboxMessage


class ScriptedSender:
    channel = "telegram"

    def __init__(self, results):
        self.results = list(results)
        self.calls = 0

    async def send(self, item):
        self.calls += 1
        return self.results.pop(0)


def queue_one(services):
    with services.db.transaction() as session:
        outbox.enqueue(session, channel="telegram", target="-100", payload={"kind": "staff_text", "text": "x"},
                       dedupe_key="one", now=services.clock.now())


def row(services) -> OutboxMessage:
    with services.db.reading() as session:
        return session.scalars(select(OutboxMessage)).one()


def drive(services, dispatcher, clock, rounds, step=timedelta(minutes=30)):
    for _ in range(rounds):
        asyncio.run(dispatcher.run_once())
        clock.advance(seconds=step.total_seconds())


def test_throttling_uses_no_attempt_and_the_row_is_delivered(services, clock):
    queue_one(services)
    sender = ScriptedSender([RetryLater("429", after=3)] * 12 + [Sent()])
    dispatcher = Dispatcher(services, [sender], max_attempts=3)
    drive(services, dispatcher, clock, 14)
    assert row(services).status == "sent" and sender.calls == 13


def test_failures_back_off_then_give_up_after_max_attempts(services, clock):
    queue_one(services)
    sender = ScriptedSender([RetryLater("timeout")] * 10)
    dispatcher = Dispatcher(services, [sender], max_attempts=3, base_backoff=5)
    asyncio.run(dispatcher.run_once())
    first = row(services)
    assert first.status == "pending" and first.attempts == 1
    assert first.next_attempt_at == clock.now() + timedelta(seconds=5)
    asyncio.run(dispatcher.run_once())
    assert sender.calls == 1, "not due yet"
    drive(services, dispatcher, clock, 6)
    final = row(services)
    assert final.status == "failed" and sender.calls == 3


def test_give_up_is_final(services, clock):
    queue_one(services)
    sender = ScriptedSender([GiveUp("blocked")])
    drive(services, Dispatcher(services, [sender]), clock, 3)
    assert row(services).status == "failed" and sender.calls == 1


def test_a_row_for_a_channel_this_deployment_lacks_is_undeliverable_at_once(services, clock):
    queue_one(services)
    drive(services, Dispatcher(services, []), clock, 1)
    assert row(services).status == "undeliverable"


def test_an_urgent_case_s_card_jumps_the_queue(citizen, services, clock):
    with services.db.transaction() as session:
        for i in range(5):
            outbox.enqueue(session, channel="log", target="staff", payload={"kind": "staff_text", "text": f"n{i}"},
                           dedupe_key=f"n{i}", now=clock.now())
    clock.advance(minutes=1)
    citizen.files()  # 透析: urgent
    with services.db.transaction() as session:
        first = outbox.claim_due(session, clock.now(), channels={"log"}, limit=1, lease=timedelta(minutes=1))
    assert first[0].payload["kind"] == "case_card"


def test_rows_behind_a_throttled_chat_wait_with_it_unsent_and_in_order(services, clock):
    with services.db.transaction() as session:
        for n in range(3):
            outbox.enqueue(session, channel="telegram", target="-100", payload={"kind": "staff_text", "text": f"{n}"},
                           dedupe_key=f"held-{n}", now=clock.now())
        outbox.enqueue(session, channel="telegram", target="-200", payload={"kind": "staff_text", "text": "other"},
                       dedupe_key="other", now=clock.now())
    sent = []

    class OneChatBusy:
        channel = "telegram"
        busy = True

        async def send(self, item):
            if item.target == "-100" and self.busy:
                return RetryLater("429", after=30)
            sent.append(item.payload["text"])
            return Sent()

    sender = OneChatBusy()
    dispatcher = Dispatcher(services, [sender])
    asyncio.run(dispatcher.run_once())
    assert sent == ["other"], "the busy chat's later rows were not even tried"
    sender.busy = False
    clock.advance(seconds=31)
    asyncio.run(dispatcher.run_once())
    assert sent == ["other", "0", "1", "2"]
