"""The ledger (台账) of the cases the queue's current filter finds, for the console's export button.

The same rows as `yibang export` (handlers/reports/ledger.py), phones masked: a full-number export stays
with the command line's `--reveal`, which records itself on every case. Who exported what is logged.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import selectinload, undefer

from handlers.console.accounts import ConsoleAccount
from handlers.console.queue import QueueFilter, matching
from handlers.reports.ledger import Ledger, ledger_rows
from handlers.services import Services
from storage.models import Case

log = logging.getLogger(__name__)
MAX_ROWS = 100_000


def filtered_ledger(services: Services, account: ConsoleAccount, wanted: QueueFilter) -> Ledger:
    with services.db.reading() as session:
        statement = (matching(services, session, account, wanted)
                     .options(selectinload(Case.merged_into), undefer(Case.attachment_count))
                     .order_by(Case.created_at, Case.id).limit(MAX_ROWS))
        cases = list(session.scalars(statement))
        rows = list(ledger_rows(services, cases, reveal=False))
    log.info("console: web:%s exported the ledger of %d cases (%s)", account.username, len(rows),
             wanted.query() or "open cases")
    return Ledger(rows, [case.id for case in cases])
