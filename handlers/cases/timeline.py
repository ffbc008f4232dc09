"""Writing a case's history: every change of state and every note is an event with actor and time.

`change_status` is the one place a case's status changes. Public events are also queued for the
citizen through the outbox, on the channel the case came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.cases.states import IllegalTransition, Status, allowed
from handlers.delivery import payloads
from storage import cases, outbox
from storage.encryption import FieldCipher
from storage.models import Case

CITIZEN = "citizen"
SYSTEM = "system"


def add_event(
    session: Session,
    case: Case | int,
    *,
    kind: str,
    actor: str,
    at: datetime,
    public: bool = False,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    notify_citizen: str | None = None,
    cipher: FieldCipher | None = None,
) -> int:
    """Append to the timeline of `case` (loaded, or only its id when it was just filed); returns the
    event's id. `notify_citizen` is the message pushed to the citizen for a public event (None: the citizen
    is answered directly, e.g. they did it themselves)."""
    if public and notify_citizen and (cipher is None or isinstance(case, int)):
        raise ValueError("a message to the citizen is sealed in the outbox: pass the cipher and the loaded case")
    event_id = cases.add_event(session, case, at=at, kind=kind, actor=actor, public=public, text=text, data=data,
                               from_status=from_status, to_status=to_status)
    if public and notify_citizen and cipher is not None and not isinstance(case, int):
        recipients = [(case.channel, case.chat_key)]
        recipients += [(follower.channel, follower.chat_key) for follower in cases.followers_of(session, case)]
        for channel, chat_key in recipients:
            outbox.enqueue(
                session,
                channel=channel,
                target=chat_key,
                payload=payloads.citizen_update(cipher, notify_citizen),
                dedupe_key=f"event:{event_id}:{channel}:{chat_key}",
                now=at,
                case_id=case.id,
            )
    return event_id


def change_status(
    session: Session,
    case: Case,
    to: Status,
    *,
    kind: str,
    actor: str,
    at: datetime,
    public: bool,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    notify_citizen: str | None = None,
    cipher: FieldCipher | None = None,
) -> int:
    """Move the case along the state machine or raise IllegalTransition; record the event."""
    current = case.status
    if not allowed(current, to):
        raise IllegalTransition(case.number, Status(current), to)
    case.status = to.value
    if to is Status.RESOLVED:
        case.resolved_at = at
    if to in (Status.CLOSED, Status.MERGED, Status.WITHDRAWN, Status.INVALID):
        case.closed_at = at
    if to is Status.IN_PROGRESS and current in (Status.RESOLVED, Status.REVISITED):
        # reopened: it is being worked again, so it counts as unresolved
        case.resolved_at = None
    return add_event(
        session,
        case,
        kind=kind,
        actor=actor,
        at=at,
        public=public,
        text=text,
        data=data,
        from_status=current,
        to_status=to.value,
        notify_citizen=notify_citizen,
        cipher=cipher,
    )
