"""A message answered "success" before its handling ended: kept durably first, handled again after a
crash, and a dead letter once it can no longer be.

WeChat does not retry a message answered "success", so from then on the message exists only here. It is
kept before that answer goes: as the late reply's outbox row, carrying the message sealed, or — when the
database cannot take a row in time (SQLite's write lock held by another process) — as a sealed file in
DATA_DIR (storage/spool.py) that a sweep moves into the database once it can. Handling is idempotent (the
inbox), so handling a message again that a live handler is still finishing changes nothing. A message is
handled again only while the signature it came with would still be accepted (YIBANG_WECHAT_MAX_AGE_SECONDS,
the window the replay guard remembers it for): later it becomes a dead letter for staff.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.delivery import late_replies, payloads
from handlers.messages import Incoming, IncomingKind
from handlers.process import handle
from handlers.replay import Replayed, SignedUse
from handlers.services import Services
from storage.database import WriterBusy
from storage.spool import Spool

log = logging.getLogger(__name__)

# A kept message still unhandled after this has lost its handler (a crash): it is handled again.
REHANDLE_AFTER = timedelta(seconds=20)
# /healthz counts kept messages older than this as a stuck backlog.
STUCK_AFTER = timedelta(minutes=1)
TOO_LATE = "the message could not be handled while its signature was valid; the citizen got no answer"


@dataclass(frozen=True)
class Kept:
    incoming: Incoming
    signed: SignedUse | None
    received_at: datetime

    def as_record(self) -> dict[str, Any]:
        incoming = self.incoming
        signed = self.signed
        return {
            "incoming": {"channel": incoming.channel, "user_key": incoming.user_key, "chat_key": incoming.chat_key,
                         "message_id": incoming.message_id, "kind": str(incoming.kind), "at": incoming.at.isoformat(),
                         "text": incoming.text, "payload": dict(incoming.payload)},
            "signed": None if signed is None else {"timestamp": signed.timestamp, "nonce": signed.nonce,
                                                   "digest": signed.digest, "expires_at": signed.expires_at.isoformat()},
            "received_at": self.received_at.isoformat(),
        }

    @classmethod
    def of_record(cls, record: dict[str, Any]) -> Kept:
        data = record["incoming"]
        incoming = Incoming(channel=data["channel"], user_key=data["user_key"], chat_key=data["chat_key"],
                            message_id=data["message_id"], kind=IncomingKind(data["kind"]),
                            at=datetime.fromisoformat(data["at"]), text=data.get("text", ""),
                            payload=data.get("payload") or {})
        signed = record.get("signed")
        use = None if not signed else SignedUse(signed["timestamp"], signed["nonce"], signed["digest"],
                                                datetime.fromisoformat(signed["expires_at"]))
        return cls(incoming, use, datetime.fromisoformat(record["received_at"]))

    def deadline(self, services: Services) -> datetime:
        """Until when it may be handled: while its signature would be accepted."""
        if self.signed is not None:
            return self.signed.expires_at
        return self.received_at + timedelta(seconds=services.settings.wechat_max_age_seconds)


def keep(services: Services, kept: Kept) -> None:
    """Keep the message in the database (the late reply's row, the message sealed in it); raises
    WriterBusy at once, rather than waiting, when SQLite's write lock is held elsewhere."""
    with services.db.impatient():
        late_replies.defer(services, kept.incoming, kept.as_record())


def spool(services: Services, kept: Kept) -> None:
    """Keep the message on this machine's disk, for when the database cannot take it in time."""
    _spool(services).put(_spool_key(kept.incoming), services.cipher.encrypt_json(kept.as_record()))


def spooled(services: Services, incoming: Incoming) -> bool:
    return any(item.key == _spool_key(incoming) for item in _spool(services).items())


def settle(services: Services, kept: Kept) -> None:
    """Its handling ended: the row that sends the answer is in the database, the spooled copy gone."""
    late_replies.defer(services, kept.incoming, kept.as_record())
    _spool(services).remove(_spool_key(kept.incoming))


def refused(services: Services, kept: Kept, reason: str) -> None:
    """Its handling was refused (a replayed signature): nothing is to be sent, nothing kept."""
    late_replies.give_up(services, kept.incoming, reason)
    _spool(services).remove(_spool_key(kept.incoming))


def handle_again(services: Services, kept: Kept) -> bool:
    """Handle a kept message whose handler was lost; False once it is too late (a dead letter then).
    Raises Replayed for a refused signature, WriterBusy or a database error to be tried again later."""
    if services.clock.now() > kept.deadline(services):
        return False
    handle(services, kept.incoming, kept.signed)
    return True


def opened(payload: dict[str, Any]) -> Kept | None:
    """The message a late reply's (opened) row keeps; None for rows from before messages were kept."""
    record = payload.get(payloads.KEPT)
    return Kept.of_record(record) if isinstance(record, dict) else None


def sweep_spool(services: Services, *, grace: timedelta = REHANDLE_AFTER) -> dict[str, int]:
    """Spooled messages older than `grace` into the database: handled (again), their late reply queued,
    or a dead letter when too late. Run by each web process beside its WeChat callback."""
    done = {"handled": 0, "dead": 0, "waiting": 0}
    store = _spool(services)
    for item in store.items():
        if item.written_at > time.time() - grace.total_seconds():
            done["waiting"] += 1
            continue
        record = services.cipher.decrypt_json(item.content)
        if not isinstance(record, dict):
            log.error("a spooled message cannot be opened with the configured keys: it is dropped")
            store.remove(item.key)
            continue
        kept = Kept.of_record(record)
        try:
            if not handle_again(services, kept):
                _dead_letter(services, kept)
                store.remove(item.key)
                done["dead"] += 1
                continue
        except Replayed as exc:
            refused(services, kept, str(exc))
            continue
        except (WriterBusy, Exception) as exc:  # the database is still busy or down: the next sweep tries
            log.warning("a spooled WeChat message could not be handled yet: %s", type(exc).__name__)
            done["waiting"] += 1
            continue
        settle(services, kept)
        done["handled"] += 1
    return done


def stuck(services: Services, now: datetime) -> int:
    """Kept messages older than STUCK_AFTER still waiting: spooled files, and late replies not answered."""
    on_disk = _spool(services).count_older(time.time() - STUCK_AFTER.total_seconds())
    return on_disk + late_replies.waiting_since(services, now - STUCK_AFTER)


def _dead_letter(services: Services, kept: Kept) -> None:
    late_replies.defer(services, kept.incoming, kept.as_record())
    late_replies.give_up(services, kept.incoming, TOO_LATE)


def _spool(services: Services) -> Spool:
    return Spool(services.settings.data_dir / "deferred")


def _spool_key(incoming: Incoming) -> str:
    return hashlib.sha256(f"{incoming.channel}\x1f{incoming.user_key}\x1f{incoming.message_id}".encode()).hexdigest()[:40]

