"""A stand-in for the Telegram Bot API on 127.0.0.1: the methods python-telegram-bot calls, recorded.

Files a citizen sends are held here as the Bot API holds them: `add_file` puts bytes behind a file id,
getFile answers its path and size, and the file is downloaded from /file/bot<token>/<path>.

Served by uvicorn in a thread of its own, so one stand-in serves a test's event loop, a TestClient's and
a `yibang run` subprocess alike. Tests queue updates for getUpdates, read what the bot sent, and make
calls fail the way Telegram does: 429 with retry_after, 403 for a user who blocked the bot.

PTB posts form fields, JSON-encoding whatever is not a string (reply_markup is a JSON string inside the
form); other clients post JSON. Both are read.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:stand-in-token"
BOT_USER = {
    "id": 123456, "is_bot": True, "first_name": "一帮到底", "username": "yibang_test_bot",
    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
}
# Form fields PTB JSON-encodes; everything else (text above all) is taken as sent.
JSON_FIELDS = {
    "reply_markup", "allowed_updates", "commands", "scope", "entities", "link_preview_options",
    "reply_parameters", "offset", "timeout", "limit", "drop_pending_updates", "show_alert", "media",
}
LONG_POLL_CAP = 1.0  # seconds a getUpdates with nothing queued waits at most


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when it arrived


@dataclass(frozen=True)
class Shown:
    text: str
    reply_markup: dict[str, Any] | None


@dataclass
class Failure:
    method: str
    status: int
    description: str
    parameters: dict[str, Any] | None
    chat_id: str | None
    remaining: int


class TelegramStandIn:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._failures: list[Failure] = []
        self._blocked: set[str] = set()
        # (chat, message id) -> what the chat shows: its text and inline keyboard, for the edit methods
        self._messages: dict[tuple[int, int], Shown] = {}
        self._lock = threading.Lock()
        self._update_ids = itertools.count(5000)
        self._message_ids = itertools.count(1)
        # file id -> (path, bytes): what citizens sent, as getFile finds it
        self._files: dict[str, tuple[str, bytes]] = {}
        self._declared: dict[str, int] = {}
        self._file_paths = itertools.count(1)
        self.downloads: list[str] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])

    # ------------------------------------------------------------ running

    @property
    def url(self) -> str:
        """What YIBANG_TELEGRAM_API_URL is set to."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> TelegramStandIn:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the Bot API stand-in did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.webhook.clear()
            self._updates.clear()
            self._failures.clear()
            self._blocked.clear()
            self._messages.clear()
            self._files.clear()
            self.downloads.clear()

    # ------------------------------------------------------------ what tests do

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Served by the next getUpdates; an update_id is given when the update has none."""
        with self._lock:
            update.setdefault("update_id", next(self._update_ids))
            self._updates.append(update)
        return update

    def fail_next(self, method: str = "sendMessage", *, status: int, description: str,
                  retry_after: int | None = None, migrate_to_chat_id: int | None = None,
                  chat_id: int | str | None = None, count: int = 1) -> None:
        """The next `count` calls of `method` (to `chat_id`, when given) fail as Telegram fails; a 429
        names its retry_after, a group turned supergroup its new id, in the answer's `parameters`."""
        found = {"retry_after": retry_after, "migrate_to_chat_id": migrate_to_chat_id}
        parameters = {key: value for key, value in found.items() if value is not None} or None
        with self._lock:
            self._failures.append(Failure(method, status, description, parameters,
                                          None if chat_id is None else str(chat_id), count))

    def add_file(self, file_id: str, data: bytes, *, declared_size: int | None = None) -> None:
        """A file a citizen sent, for getFile and the download; `declared_size` is what getFile says."""
        path = f"photos/file_{next(self._file_paths)}.jpg"
        self._files[file_id] = (path, data)
        if declared_size is not None:
            self._declared[file_id] = declared_size

    def block(self, chat_id: int | str) -> None:
        """The user blocked the bot: every message to them is refused with 403."""
        self._blocked.add(str(chat_id))

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone in the chat deleted the message: it can no longer be edited."""
        self._messages.pop((chat_id, message_id), None)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message as the chat shows it now (after any edits), as it comes inside an update."""
        shown = self._messages[(chat_id, message_id)]
        return self._message_object(chat_id, shown, message_id)

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """sendMessage calls that succeeded, to one chat or to all; `_message_id` is the id it was given."""
        with self._lock:
            return [
                call.params for call in self.calls
                if call.method == "sendMessage" and call.params.get("_delivered")
                and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
            ]

    def texts(self, chat_id: int | str) -> list[str]:
        return [message["text"] for message in self.sent(chat_id)]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """For another process or thread: poll until `condition` holds, failing after `timeout`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; calls: {[c.method for c in self.calls]}")
            time.sleep(0.02)

    async def until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """wait_until for code on an event loop."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s; calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------ the Bot API

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        with self._lock:
            self.calls.append(call)
            failure = self._take_failure(method, params)
        if failure is not None:
            return _error(failure.status, failure.description, failure.parameters)
        if method == "sendMessage" and str(params.get("chat_id")) in self._blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if method == "getUpdates" and self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return _error(404, "Not Found: method not found")
        result = await answer(params)
        if isinstance(result, JSONResponse):  # the method's own refusal
            return result
        if method == "sendMessage":
            params["_delivered"] = True
            params["_message_id"] = result["message_id"]
        return JSONResponse({"ok": True, "result": result})

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.remaining > 0 and (
                failure.chat_id is None or failure.chat_id == str(params.get("chat_id"))
            ):
                failure.remaining -= 1
                return failure
        return None

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params["chat_id"], Shown("", None))
        message["caption"] = params.get("caption", "")
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._api_sendPhoto(params)

    async def _api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An album: each item's `media` is "attach://name", the bytes in the form's part of that name."""
        items = params.get("media") or []
        params["_files"] = [params.get(str(item.get("media", "")).removeprefix("attach://")) for item in items]
        messages = []
        for item in items:
            message = self._message(params["chat_id"], Shown("", None))
            message["caption"] = item.get("caption", "")
            messages.append(message)
        return messages

    def photos(self, chat_id: int | str) -> list[dict[str, Any]]:
        """sendPhoto calls to this chat: their caption and the photo's bytes."""
        return [params for params in self.called("sendPhoto") if str(params.get("chat_id")) == str(chat_id)]

    def files_shown(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Every photo and document this chat got, album items one by one, in order: the method, the bytes,
        the caption, the message it replied to, and when it arrived (time.monotonic())."""
        shown = []
        with self._lock:
            calls = [call for call in self.calls if str(call.params.get("chat_id")) == str(chat_id)]
        for call in calls:
            params = call.params
            reply_to = (params.get("reply_parameters") or {}).get("message_id")
            if call.method in ("sendPhoto", "sendDocument"):
                data = params.get("photo") if call.method == "sendPhoto" else params.get("document")
                shown.append({"method": call.method, "data": data, "caption": params.get("caption", ""),
                              "reply_to": reply_to, "at": call.at})
            elif call.method == "sendMediaGroup":
                for item, data in zip(params.get("media") or [], params.get("_files") or [], strict=False):
                    shown.append({"method": f"sendMediaGroup:{item.get('type')}", "data": data,
                                  "caption": item.get("caption", ""), "reply_to": reply_to, "at": call.at})
        return shown

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any] | JSONResponse:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            return _error(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]
        size = self._declared.get(file_id, len(data))
        if size > 20 * 1024 * 1024:
            return _error(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, "file_path": path}

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        path = request.path_params["path"]
        self.downloads.append(path)
        for stored_path, data in self._files.values():
            if stored_path == path:
                return Response(data, media_type="application/octet-stream")
        return Response(status_code=404)

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params["chat_id"], Shown(params.get("text", ""), _inline(params)))

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | JSONResponse:
        # Without reply_markup, Telegram takes the inline keyboard off the edited message.
        return self._edit(params, lambda shown: Shown(params.get("text", ""), _inline(params)))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | JSONResponse:
        return self._edit(params, lambda shown: Shown(shown.text, _inline(params)))

    def _edit(self, params: dict[str, Any], change: Callable[[Shown], Shown]) -> dict[str, Any] | JSONResponse:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self._messages:
            return _error(400, "Bad Request: message to edit not found")
        shown = change(self._messages[key])
        if self._messages[key] == shown:
            return _error(400, "Bad Request: message is not modified: specified new message content and reply "
                               "markup are exactly the same as a current content and reply markup of the message")
        return self._message(key[0], shown, key[1])

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        while True:
            with self._lock:
                # Asking from `offset` confirms every update before it: Telegram forgets them.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _message(self, chat_id: Any, shown: Shown, message_id: int | None = None) -> dict[str, Any]:
        chat = int(chat_id)
        message_id = message_id or next(self._message_ids)
        self._messages[(chat, message_id)] = shown
        return self._message_object(chat, shown, message_id)

    @staticmethod
    def _message_object(chat: int, shown: Shown, message_id: int) -> dict[str, Any]:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "supergroup"},
            "from": {key: BOT_USER[key] for key in ("id", "is_bot", "first_name", "username")},
            "text": shown.text,
        }
        if shown.reply_markup is not None:
            message["reply_markup"] = shown.reply_markup
        return message


async def _params(request: Request) -> dict[str, Any]:
    """The call's parameters from a JSON body, a url-encoded form, or a multipart form (a file: a photo)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return dict(json.loads(body)) if body else {}
    if content_type.startswith("multipart/form-data"):
        return _multipart(content_type, body)
    params: dict[str, Any] = dict(request.query_params)
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        params[key] = json.loads(value) if key in JSON_FIELDS else value
    return params


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Multipart fields by name (stdlib email parser; a file field keeps its bytes)."""
    document = BytesParser(policy=email_policy).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    params: dict[str, Any] = {}
    for part in document.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            params[name] = payload
        else:
            value = payload.decode()
            params[name] = json.loads(value) if name in JSON_FIELDS else value
    return params


def _inline(params: dict[str, Any]) -> dict[str, Any] | None:
    """The inline keyboard a message carries; a reply keyboard or ForceReply is not part of the message."""
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)
