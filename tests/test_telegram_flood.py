"""One flooding chat never stalls the others: replies are queued per chat and sent by that chat's own task
(never holding the update or the webhook request), a flooding chat's backlog is capped, and the outbox
dispatcher never lets one destination's limit hold up another's."""

from __future__ import annotations

import asyncio
import time

from support.telegram_world import SECRET, STAFF_CHAT, text_update, user

from bot.dispatcher import Dispatcher, RetryLater, Sent
from bot.telegram.reply_queue import ChatReplies, Turn
from bot.telegram.webhook import PATH, SECRET_HEADER
from handlers.delivery import payloads
from handlers.delivery.outbox import OutboxItem
from handlers.messages import Reply
from storage import outbox
from storage.models import OutboxMessage

FLOODER, OTHER = 4001, 4002


def test_a_flooding_chat_does_not_hold_up_another_chats_answer(telegram):
    texts = telegram.services.taxonomy.texts

    async def flood_and_ask() -> tuple[list[float], float]:
        client = telegram.client

        async def post(update) -> float:
            started = time.monotonic()
            response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
            assert response.status_code == 200
            return time.monotonic() - started

        flooding = [asyncio.create_task(post(text_update(user(FLOODER), f"喂 {n}"))) for n in range(60)]
        await asyncio.sleep(0.2)
        asked = time.monotonic()
        await post(text_update(user(OTHER), "查看进度"))
        await telegram.api.until(lambda: bool(telegram.api.sent(OTHER)), timeout=30)
        answered = time.monotonic() - asked
        return list(await asyncio.gather(*flooding)), answered

    requests, answered = telegram.portal.call(flood_and_ask)
    assert answered < 2.0, f"the other chat waited {answered:.1f} s"
    assert max(requests) < 2.0, f"a webhook request was held {max(requests):.1f} s"
    telegram.portal.call(telegram.channel.chat.replies.settled)
    told = [m["text"] for m in telegram.api.sent(FLOODER)]
    assert told.count(texts.rate_limited) == 1, "one 'please wait', its repeats dropped"
    assert telegram.channel.chat.replies.dropped == 60 - telegram.services.settings.rate_burst - 1


class HeldBot:
    """A bot whose sends wait until released, as they would behind a chat's flood limit."""

    def __init__(self):
        self.release = asyncio.Event()
        self.sent: list[str] = []

    async def send_message(self, chat_id, text, **_):
        await self.release.wait()
        self.sent.append(text)


def test_a_chats_backlog_is_capped_and_the_surplus_goes_through_the_outbox(services):
    async def story() -> list[str]:
        bot = HeldBot()
        queue = ChatReplies(services, services.taxonomy.texts, max_backlog=3)
        for n in range(6):
            await queue.put(Turn(bot, "5001", (Reply(f"答复 {n}"),), update_id=900 + n))
        assert queue.waiting("5001") == 3
        bot.release.set()
        await queue.settled()
        return bot.sent

    assert asyncio.run(story()) == ["答复 0", "答复 1", "答复 2"]
    with services.db.reading() as session:
        deferred = [payloads.opened(services.cipher, row.payload)["text"] for row in session.query(OutboxMessage)]
    assert sorted(deferred) == ["答复 3", "答复 4", "答复 5"]


class Recording:
    """Telegram as the dispatcher meets it: the staff group's minute is used up, a citizen's chat is free."""

    channel = "telegram"

    def __init__(self):
        self.sent: list[str] = []

    async def send(self, item: OutboxItem):
        if item.target == str(STAFF_CHAT):
            return RetryLater("waiting 60 s for Telegram's rate limit", after=60)
        self.sent.append(item.target)
        return Sent()


def test_a_backlog_of_staff_cards_never_holds_up_a_citizens_push(services, clock):
    with services.db.transaction() as session:
        for n in range(200):
            outbox.enqueue(session, channel="telegram", target=str(STAFF_CHAT), payload=payloads.staff_text(f"卡片 {n}"),
                           dedupe_key=f"card-{n}", now=clock.now())
    clock.advance(seconds=1)
    with services.db.transaction() as session:
        outbox.enqueue(session, channel="telegram", target="1001", dedupe_key="push",
                       payload=payloads.citizen_update(services.cipher, "【ZZ20220110-0001】已交办"), now=clock.now())
    sender = Recording()
    with services.db.transaction() as session:  # and another destination's backlog beside the group's
        for n in range(100):
            outbox.enqueue(session, channel="telegram", target=str(STAFF_CHAT - 1), now=clock.now(),
                           payload=payloads.staff_text(f"督办 {n}"), dedupe_key=f"centre-{n}")
    asyncio.run(Dispatcher(services, [sender], batch=30).run_once())
    assert sender.sent[0] == "1001", "the citizen's push goes in the first pass, beside the held cards"
