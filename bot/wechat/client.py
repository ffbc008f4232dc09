"""wechatpy's API client, pointed at the configured API base and sharing the deployment's access token.

Two things wechatpy does are done differently here. Its `fetch_access_token` always asks
api.weixin.qq.com, whatever the base URL; here the token comes from `YIBANG_WECHAT_API_URL` like every other
call, through the shared token holder. Its `auto_retry` refetches the token on 40001/42001 and retries
without a limit; here it is off, and `call` refreshes once and retries once.

The client is synchronous (requests): call it from a worker thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.wechat.access_token import SharedAccessToken

T = TypeVar("T")

# invalid credential, invalid access_token, access_token expired: the token was replaced or ran out
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
# Seconds to wait for WeChat's API before trying the row again later.
TIMEOUT_SECONDS = 10


class OfficialAccountClient(WeChatClient):
    def __init__(self, app_id: str, secret: str, api_url: str, tokens: SharedAccessToken):
        super().__init__(app_id, secret, session=tokens, timeout=TIMEOUT_SECONDS, auto_retry=False)
        self.API_BASE_URL = api_url if api_url.endswith("/") else api_url + "/"
        self.tokens = tokens

    def fetch_access_token(self) -> dict[str, str]:
        """Called by wechatpy when the shared token is missing or stale."""
        return {"access_token": self.tokens.refresh(self.access_token_key, self._request_token)}

    def call(self, request: Callable[[], T]) -> T:
        """Run one API request; when WeChat rejects the token, refresh it once and try once more."""
        token = self.access_token
        try:
            return request()
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_REJECTED:
                raise
        self.tokens.refresh(self.access_token_key, self._request_token, rejected=token)
        return request()

    def _request_token(self) -> tuple[str, int]:
        """A new token from WeChat (GET …/token); only the token holder calls this, under its lock."""
        try:
            response = httpx.get(
                f"{self.API_BASE_URL}token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                timeout=self.timeout,
            )
            result = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WeChatClientException(None, f"token request failed: {type(exc).__name__}") from None
        if not isinstance(result, dict) or not result.get("access_token"):
            # 40164 (this server's IP is not whitelisted) and 40125 (wrong AppSecret) end up here.
            errcode = result.get("errcode") if isinstance(result, dict) else None
            raise WeChatClientException(errcode, f"no access token: {result}")
        return str(result["access_token"]), int(result.get("expires_in", 7200))
