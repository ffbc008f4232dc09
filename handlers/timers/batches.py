"""A sweep over due cases, a batch per transaction: the shape the deadline sweeps share.

Each batch is one short transaction holding the sweep's lock (on PostgreSQL one process sweeps at a time;
another finds the lock taken and leaves the work to it) and the batch's rows, locked; the next batch starts
after the last case seen, so a long backlog is worked through without one long transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from handlers.services import Services
from storage.models import Case
from storage.sweep_lock import try_sweep_lock

# The due cases after this id, at most this many, locked: (session, after_id, limit) -> cases.
DueCases = Callable[[Session, int, int], list[Case]]


def sweep_in_batches(services: Services, sweep: str, due: DueCases, handle: Callable[[Session, Case], None], *,
                     batch: int) -> None:
    after_id = 0
    while True:
        with services.db.transaction() as session:
            if not try_sweep_lock(session, sweep):
                return
            cases = due(session, after_id, batch)
            for case in cases:
                handle(session, case)
        if len(cases) < batch:
            return
        after_id = cases[-1].id
