"""One process at a time per sweep: a PostgreSQL advisory lock held until the transaction ends.

Several processes (web workers with a scheduler, `yibang scheduler`, `yibang tick`) may run the same
sweep at the same moment. The lock makes all but one skip it; the others find the work done next time.
A sweep that dies releases its lock with its transaction. SQLite needs none: its write transaction
(BEGIN IMMEDIATE) already lets one writer in at a time.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

# The first of the two 32-bit keys: our sweeps' own space, apart from every other advisory lock
# (the migration lock uses the one-key form, which PostgreSQL keeps apart from the two-key form).
SWEEP_LOCK_CLASS = 0x7969_6200


def try_sweep_lock(session: Session, sweep: str) -> bool:
    """True when this transaction may run `sweep`; False when another process is running it now."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(sweep.encode()) & 0x7FFF_FFFF
    return bool(
        session.execute(
            text("SELECT pg_try_advisory_xact_lock(:class_id, :key)"), {"class_id": SWEEP_LOCK_CLASS, "key": key}
        ).scalar()
    )
