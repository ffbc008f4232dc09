"""One access token per deployment: every process reads the same one, and a refresh fetches once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.wechat.access_token import SharedAccessToken
from storage.models import SharedValue

KEY = "wx0123456789abcdef_access_token"


class TokenEndpoint:
    def __init__(self) -> None:
        self.issued = 0
        self.lock = threading.Lock()

    def __call__(self) -> tuple[str, int]:
        with self.lock:
            self.issued += 1
            return f"TOKEN-{self.issued}", 7200


def test_processes_that_see_the_token_rejected_at_once_fetch_one_new_token(services):
    endpoint = TokenEndpoint()
    processes = [SharedAccessToken(services) for _ in range(6)]
    first = processes[0].refresh(KEY, endpoint)
    start = threading.Barrier(len(processes))

    def refresh(holder: SharedAccessToken) -> str:
        start.wait()
        return holder.refresh(KEY, endpoint, rejected=first)

    with ThreadPoolExecutor(len(processes)) as pool:
        tokens = list(pool.map(refresh, processes))
    assert endpoint.issued == 2
    assert set(tokens) == {"TOKEN-2"}
    assert all(holder.get(KEY) == "TOKEN-2" for holder in processes)


def test_the_token_is_stored_encrypted_and_renewed_before_it_expires(services):
    endpoint = TokenEndpoint()
    holder = SharedAccessToken(services)
    assert holder.get(KEY) is None
    assert holder.refresh(KEY, endpoint) == "TOKEN-1"
    with services.db.reading() as session:
        assert "TOKEN-1" not in session.get(SharedValue, KEY).value
    services.clock.advance(minutes=114)
    assert holder.get(KEY) == "TOKEN-1"
    services.clock.advance(minutes=2)
    assert holder.get(KEY) is None, "within five minutes of expiry it is no longer handed out"
    assert holder.refresh(KEY, endpoint) == "TOKEN-2"
