"""The scheduler's heartbeat: a shared row each sweep run touches, so /healthz can tell whether any
process is still sweeping (a web worker without a scheduler has no other way to know)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from storage.models import SharedValue
from storage.prepared import insert

HEARTBEAT = "scheduler_heartbeat"


def record_heartbeat(session: Session, now: datetime, stale_after: timedelta, detail: dict[str, Any]) -> None:
    """Upsert the heartbeat; it counts as stale once `expires_at` has passed without a new beat."""
    values = {"value": json.dumps(detail, ensure_ascii=False), "expires_at": now + stale_after, "updated_at": now}
    session.execute(
        insert(session, SharedValue.__table__)
        .values(name=HEARTBEAT, **values)
        .on_conflict_do_update(index_elements=["name"], set_=values)
    )
