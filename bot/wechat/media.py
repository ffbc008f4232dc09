"""WeChat's side of fetching a citizen's photo: GET cgi-bin/media/get with the media id of the message.

A media id lives three days (临时素材), so the fetch is queued the moment the message is handled. WeChat
answers with the file itself, or with a JSON error (40007: invalid or expired media id); 40001/42001 mean
the shared access token must be refreshed, which the client's `call` does once. The body is read in
pieces and abandoned past YIBANG_MEDIA_MAX_BYTES. wechatpy's own `media.download` reads whole files
through requests; httpx streams.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from wechatpy.exceptions import WeChatClientException

from bot.file_downloads import FetchFailed, FileGone, FileTooLarge
from bot.wechat.client import TIMEOUT_SECONDS, OfficialAccountClient

# invalid media_id (expired, or never ours)
GONE = frozenset({40007})
# An error answer is a small JSON object; anything longer is not one.
ERROR_BODY_LIMIT = 4096


class WeChatMedia:
    def __init__(self, client: OfficialAccountClient):
        self.client = client

    async def fetch(self, file_ref: str, max_bytes: int) -> bytes:
        # wechatpy's token handling is synchronous: the whole fetch runs in a worker thread.
        return await asyncio.to_thread(self._fetch, file_ref, max_bytes)

    def _fetch(self, media_id: str, max_bytes: int) -> bytes:
        try:
            return self.client.call(lambda: self._download(media_id, max_bytes))
        except WeChatClientException as exc:
            if exc.errcode in GONE:
                raise FileGone(f"WeChat errcode {exc.errcode}: {exc.errmsg}") from None
            # busy, quota, or a setting to fix (the server's IP not whitelisted): tried again, and in the
            # end left for staff to see
            raise FetchFailed(f"WeChat errcode {exc.errcode}: {exc.errmsg}") from None
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc}") from None

    def _download(self, media_id: str, max_bytes: int) -> bytes:
        params = {"access_token": self.client.access_token, "media_id": media_id}
        with httpx.stream("GET", f"{self.client.API_BASE_URL}media/get", params=params,
                          timeout=TIMEOUT_SECONDS) as response:
            kind = response.headers.get("content-type", "")
            if kind.startswith(("application/json", "text/plain")):
                _raise_error(response.read()[:ERROR_BODY_LIMIT])
            if response.status_code != 200:
                raise FetchFailed(f"WeChat media/get answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FileTooLarge(f"{declared} bytes")
            body = bytearray()
            for piece in response.iter_bytes():
                body.extend(piece)
                if len(body) > max_bytes:
                    raise FileTooLarge(f"more than {max_bytes} bytes")
            return bytes(body)


def _raise_error(body: bytes) -> None:
    try:
        answer = json.loads(body)
    except ValueError:
        raise FetchFailed("WeChat media/get answered text that is not JSON") from None
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
    raise WeChatClientException(errcode, errmsg)
