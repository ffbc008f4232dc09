"""Is YIBANG_SECRET_KEY the key this database's personal data was sealed with?

Without the variable a key is generated into DATA_DIR; beside an existing database (a new container, a
restored backup, a second host) that new key opens nothing, and everything sealed from then on would be
sealed under a key the other processes do not have. So the first start stores a check value derived from
the key (never the key), and every start compares: a key that matches neither it nor an old key is refused.
A database from before the check is trusted only if the key opens a personal field already stored there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.encryption import FieldCipher
from storage.models import Case, Conversation, InboxMessage
from storage.shared_values import lock_shared_value

CHECK = "secret-key-check"


class KeyMismatch(Exception):
    """The configured keys cannot open this database's personal data."""


def check_secret_key(session: Session, cipher: FieldCipher, now: datetime) -> None:
    """Raise KeyMismatch unless a configured key made the stored check value (storing it when new)."""
    row = lock_shared_value(session, CHECK, now)
    if row.value is not None:
        if not cipher.made_check(row.value):
            raise KeyMismatch("the database's key check value was made with another key")
        return
    sample = _sealed_sample(session)
    if sample is not None and cipher.decrypt(sample) is None:
        raise KeyMismatch("the key cannot open the personal data already stored")
    row.value = cipher.key_check()
    row.updated_at = now


def record_newest_key(session: Session, cipher: FieldCipher, now: datetime) -> None:
    """After `yibang rekey`: everything is sealed under the newest key, which the check now names."""
    row = lock_shared_value(session, CHECK, now)
    row.value = cipher.key_check()
    row.updated_at = now


def _sealed_sample(session: Session) -> str | None:
    for column in (Case.name_enc, Case.phone_enc, Conversation.contact_phone_enc, Conversation.slots_enc,
                   InboxMessage.replies_enc):
        value = session.scalar(select(column).where(column.is_not(None)).limit(1))
        if value:
            return value
    return None
