"""One message being handled: the services, the open transaction, the citizen's conversation, the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.taxonomy import Taxonomy
from config.texts import Texts
from handlers.messages import Choice, Incoming, Reply
from handlers.services import Services
from storage.conversations import ConversationState

IDLE = "idle"


@dataclass
class Turn:
    services: Services
    session: Session
    conversation: ConversationState
    incoming: Incoming
    now: datetime
    slots: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    # emergency advice goes before every other reply, whatever the step
    urgent_first: list[Reply] = field(default_factory=list)

    @property
    def taxonomy(self) -> Taxonomy:
        return self.services.taxonomy

    @property
    def texts(self) -> Texts:
        return self.services.taxonomy.texts

    @property
    def step(self) -> str:
        return self.conversation.step

    def go(self, step: str) -> None:
        self.conversation.step = step

    def text(self, key: str, **params: Any) -> str:
        template: str = getattr(self.texts, key)
        return template.format(platform=self.taxonomy.platform, **params)

    def say(self, key: str, **params: Any) -> None:
        self.replies.append(Reply(self.text(key, **params)))

    def ask(self, text: str, choices: tuple[str, ...] = (), *, request_contact: bool = False) -> None:
        self.replies.append(
            Reply(text, tuple(Choice(label) for label in choices), request_contact=request_contact)
        )

    def all_replies(self) -> list[Reply]:
        return self.urgent_first + self.replies

    def reset(self) -> None:
        self.slots.clear()
        self.go(IDLE)
