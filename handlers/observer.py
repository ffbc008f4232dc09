"""What the handlers report as they work (messages handled, cases filed, the classifier's time), for
whoever watches: the Prometheus metrics of bot/metrics.py. The watcher is handed in on the Services, so
handlers never import it; without one, nothing is reported.
"""

from __future__ import annotations

from typing import Protocol

# How handling a message ended (the `outcome` of `message_handled`).
ANSWERED = "answered"
DUPLICATE = "duplicate"  # a redelivery or retry: answered as the first time, nothing changed
RATE_LIMITED = "rate_limited"
FAILED = "failed"  # an exception: nothing was committed


class Observer(Protocol):
    def message_handled(self, channel: str, outcome: str) -> None: ...

    def case_filed(self, channel: str, category: str, urgency: str) -> None: ...

    def classified(self, seconds: float) -> None: ...


class NoObserver:
    def message_handled(self, channel: str, outcome: str) -> None:
        pass

    def case_filed(self, channel: str, category: str, urgency: str) -> None:
        pass

    def classified(self, seconds: float) -> None:
        pass
