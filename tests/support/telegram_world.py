"""The Telegram world of a test (the `telegram` fixture): the stand-in Bot API, updates as a citizen's
client sends them, and the real web app and channel answering them.

Updates go in through the /telegram webhook route (the real Starlette app, PTB's Application inside it),
so a test reads as a conversation: `alice.says("确认")` returns the messages Alice's chat received. The
app runs on an event loop in a thread of its own (an anyio portal), with its lifespan, as under uvicorn.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from pydantic import SecretStr
from sqlalchemy import select

from bot.application import senders
from bot.dispatcher import Dispatcher
from bot.telegram.channel import TelegramChannel
from bot.telegram.limits import FloodControl
from bot.telegram.webhook import PATH, SECRET_HEADER
from bot.webapp import create_web_app
from handlers.clock import FrozenClock
from handlers.services import Services
from storage.models import Case
from support.citizens import FilesCases
from support.telegram_stand_in import TOKEN, TelegramStandIn

SECRET = "stand-in-webhook-secret_0123"
STAFF_CHAT = -1001234567890
WEBHOOK_URL = "https://yibang.example.org/telegram"
DATE = 1641780000  # 2022-01-10 10:00 in Zhengzhou

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_press_ids = itertools.count(1)


# ---------------------------------------------------------------- updates as clients send them


def user(user_id: int, first_name: str = "市民") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name}


def message_update(sender: dict[str, Any], chat: dict[str, Any] | None = None, *, edited: bool = False,
                   **content: Any) -> dict[str, Any]:
    chat = chat or {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}
    message = {"message_id": next(_message_ids), "date": DATE, "chat": chat, "from": sender, **content}
    if edited:
        message["edit_date"] = DATE + 60
    return {"update_id": next(_update_ids), "edited_message" if edited else "message": message}


def text_update(sender: dict[str, Any], text: str, **kwargs: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return message_update(sender, **content, **kwargs)


def group_chat(chat_id: int, title: str = "群") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


def photo(file_id: str = "photo-large") -> dict[str, Any]:
    return {"photo": [
        {"file_id": "photo-small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960},
    ]}


def sticker() -> dict[str, Any]:
    return {"sticker": {"file_id": "sticker-1", "file_unique_id": "k", "type": "regular", "width": 512,
                        "height": 512, "is_animated": False, "is_video": False}}


def location(lat: float, lon: float) -> dict[str, Any]:
    return {"location": {"latitude": lat, "longitude": lon}}


def contact(phone: str, user_id: int | None, first_name: str = "张女士") -> dict[str, Any]:
    found: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
    if user_id is not None:
        found["user_id"] = user_id
    return {"contact": found}


def blocked_update(sender: dict[str, Any]) -> dict[str, Any]:
    """What Telegram sends when a user blocks the bot."""
    bot = {"id": 123456, "is_bot": True, "first_name": "一帮到底", "username": "yibang_test_bot"}
    return {"update_id": next(_update_ids), "my_chat_member": {
        "chat": {"id": sender["id"], "type": "private", "first_name": sender["first_name"]},
        "from": sender,
        "date": DATE,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
    }}


def press_update(sender: dict[str, Any], message: dict[str, Any], data: str) -> dict[str, Any]:
    """A button pressed under `message`, the message as the chat shows it."""
    return {"update_id": next(_update_ids), "callback_query": {
        "id": f"press-{next(_press_ids)}", "from": sender, "chat_instance": f"instance{message['chat']['id']}",
        "message": message, "data": data,
    }}


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A message's inline buttons, label to callback_data, in the order shown."""
    markup = message.get("reply_markup") or {}
    return {button["text"]: button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row}


def keyboard(message: dict[str, Any]) -> list[str]:
    """The labels of a sent message's reply keyboard, row by row flattened."""
    markup = message.get("reply_markup") or {}
    return [button["text"] for row in markup.get("keyboard", []) for button in row]


def contact_button(message: dict[str, Any]) -> bool:
    markup = message.get("reply_markup") or {}
    return any(button.get("request_contact") for row in markup.get("keyboard", []) for button in row)


# ---------------------------------------------------------------- the world


def telegram_services(services: Services, api: TelegramStandIn, *, webhook: bool = True) -> Services:
    settings = services.settings.model_copy(update={
        "telegram_token": SecretStr(TOKEN),
        "telegram_api_url": api.url,
        "telegram_staff_chat_id": STAFF_CHAT,
        "telegram_webhook_url": WEBHOOK_URL if webhook else None,
        "telegram_webhook_secret": SecretStr(SECRET) if webhook else None,
    })
    return dataclasses.replace(services, settings=settings)


def flood_following(clock: FrozenClock) -> FloodControl:
    """Telegram's limits on a clock that runs in real time and jumps when the test moves its clock, so a
    429's retry_after or a full group minute passes without sleeping."""
    start = clock.now()
    return FloodControl(clock=lambda: time.monotonic() + (clock.now() - start).total_seconds())


@dataclasses.dataclass
class TelegramWorld:
    services: Services
    api: TelegramStandIn
    portal: BlockingPortal
    client: httpx.AsyncClient
    channel: TelegramChannel
    dispatcher: Dispatcher

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.services.clock, FrozenClock)
        return self.services.clock

    def citizen(self, user_id: int, first_name: str = "市民") -> TelegramCitizen:
        return TelegramCitizen(self, user(user_id, first_name))

    def staff(self, user_id: int, first_name: str, chat: dict[str, Any] | None = None) -> TelegramStaff:
        """Someone in the staff group (or, with `chat`, writing from there)."""
        return TelegramStaff(self, user(user_id, first_name), chat or group_chat(STAFF_CHAT, "工作群"))

    def card(self, number: str) -> dict[str, Any]:
        """The case's card as the staff group shows it now: its text and its buttons."""
        with self.services.db.reading() as session:
            ref = session.scalars(select(Case).where(Case.number == number)).one().staff_messages["telegram"]
        chat_id, message_id = ref.rsplit(":", 1)
        return self.api.message(int(chat_id), int(message_id))

    def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return self.post_raw(json.dumps(update).encode(), headers)

    def post_raw(self, body: bytes, headers: dict[str, str | bytes]) -> httpx.Response:
        """Post as Telegram does; returns once the replies the update queued have gone out too."""
        response = self.portal.call(lambda: self.client.post(PATH, content=body, headers=headers))
        self.portal.call(self.channel.chat.replies.settled)
        return response

    def deliver(self) -> int:
        """One run of the outbox dispatcher, on the app's event loop."""
        return self.portal.call(self.dispatcher.run_once)


@dataclasses.dataclass
class TelegramCitizen(FilesCases):
    """A citizen in a private chat with the bot; `says` returns the messages their chat got."""

    world: TelegramWorld
    user: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def sends(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post the update as Telegram would; the messages this chat got meanwhile."""
        before = len(self.world.api.sent(self.id))
        self.world.clock.advance(seconds=5)  # a person takes a few seconds to read and answer
        response = self.world.post(update)
        assert response.status_code == 200, response.text
        return self.world.api.sent(self.id)[before:]

    def says(self, text: str) -> list[dict[str, Any]]:
        return self.sends(text_update(self.user, text))

    def sends_content(self, **content: Any) -> list[dict[str, Any]]:
        return self.sends(message_update(self.user, **content))

    def answer(self, text: str) -> str:
        self.last_answer = "\n".join(message.get("text", "") for message in self.says(text))
        return self.last_answer


@dataclasses.dataclass
class TelegramStaff:
    world: TelegramWorld
    user: dict[str, Any]
    chat: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def presses(self, label: str, message: dict[str, Any]) -> dict[str, Any]:
        """Press the button `label` under `message`; the answer only the presser sees (answerCallbackQuery)."""
        return self.presses_data(buttons(message)[label], message)

    def presses_data(self, data: str, message: dict[str, Any]) -> dict[str, Any]:
        update = press_update(self.user, message, data)
        self.world.clock.advance(seconds=10)  # reading the card before pressing
        response = self.world.post(update)
        assert response.status_code == 200, response.text
        query_id = update["callback_query"]["id"]
        [answer] = [a for a in self.world.api.called("answerCallbackQuery") if a["callback_query_id"] == query_id]
        return answer

    def replies(self, text: str, to: dict[str, Any]) -> list[dict[str, Any]]:
        """Reply to a message of the bot (a prompt); the messages the chat got meanwhile."""
        return self.sends(text_update(self.user, text, chat=self.chat, reply_to_message=to))

    def says(self, text: str) -> list[dict[str, Any]]:
        return self.sends(text_update(self.user, text, chat=self.chat))

    def sends(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.world.api.sent(self.chat["id"]))
        self.world.clock.advance(seconds=10)
        response = self.world.post(update)
        assert response.status_code == 200, response.text
        return self.world.api.sent(self.chat["id"])[before:]

    def prompt(self) -> dict[str, Any]:
        """The last ForceReply prompt the bot sent in this chat, as the chat shows it now."""
        [*_, last] = [m for m in self.world.api.sent(self.chat["id"]) if "force_reply" in (m.get("reply_markup") or {})]
        return self.world.api.message(int(self.chat["id"]), last["_message_id"])


@pytest.fixture(scope="session")
def bot_api() -> Iterator[TelegramStandIn]:
    api = TelegramStandIn().start()
    yield api
    api.stop()


@pytest.fixture
def telegram(services: Services, bot_api: TelegramStandIn) -> Iterator[TelegramWorld]:
    """yibang's web app with the Telegram channel in webhook mode, the stand-in behind it."""
    bot_api.reset()
    world_services = telegram_services(services, bot_api)
    channel = TelegramChannel(world_services, flood=flood_following(services.clock))
    # The web app as bot.application composes it, less the scheduler and its watchdog: the test runs the
    # dispatcher itself, on its own clock.
    app = create_web_app(world_services, channel.routes(), on_startup=[channel.start], on_shutdown=[channel.stop])
    dispatcher = Dispatcher(world_services, senders(world_services, [channel]))
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(app.router.lifespan_context(app)):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://yibang.test")
        try:
            yield TelegramWorld(world_services, bot_api, portal, client, channel, dispatcher)
        finally:
            portal.call(client.aclose)
