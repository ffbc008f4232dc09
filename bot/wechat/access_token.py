"""wechatpy's session storage, backed by the deployment's one shared access token.

wechatpy keeps the token in each process's memory by default; here it reads the token every process
shares (handlers.delivery.access_tokens), and a refresh goes through that module alone, never through
wechatpy's own fetch, which would bypass the lease that lets one process refresh at a time.
"""

from __future__ import annotations

from wechatpy.session import SessionStorage

from handlers.delivery.access_tokens import FetchToken, current_token, refresh_token
from handlers.services import Services


class SharedAccessToken(SessionStorage):
    """wechatpy's session storage for the one key it keeps, `<appid>_access_token`; read-only to wechatpy."""

    def __init__(self, services: Services):
        self.services = services

    def get(self, key: str, default: str | None = None) -> str | None:
        token = current_token(self.services, key)
        return token if token is not None else default

    def refresh(self, key: str, fetch: FetchToken, *, rejected: str | None = None) -> str:
        """A usable token: the stored one unless it is stale or is the one WeChat just `rejected`."""
        return refresh_token(self.services, key, fetch, rejected=rejected)
