"""When WeChat can no longer reach a citizen, a person phones them (DESIGN §6).

The case is flagged `needs_phone_call`, the timeline says why, and staff are told through the outbox,
with the contact masked as on every staff card.
"""

from __future__ import annotations

from datetime import datetime

from handlers.cases.timeline import SYSTEM, add_event
from handlers.services import Services
from handlers.staff.notices import tell_staff
from storage.encryption import mask_name, mask_phone, redact_phones
from storage.models import Case

PHONE_CALL_NEEDED = "phone_call_needed"


def flag_for_phone_call(
    services: Services, case_id: int, text: str, reason: str, *, push_id: int, now: datetime
) -> None:
    """Flag the case and tell staff once per undeliverable push (`push_id`: its outbox row)."""
    texts = services.taxonomy.texts
    cipher = services.cipher
    with services.db.transaction() as session:
        case = session.get(Case, case_id, with_for_update=True)
        if case is None:
            return
        case.needs_phone_call = True
        add_event(session, case, kind=PHONE_CALL_NEEDED, actor=SYSTEM, at=now, text=reason)
        notice = texts.wechat_staff_phone_call.format(
            number=case.number,
            reason=reason,
            name=mask_name(cipher.decrypt(case.name_enc)) or texts.masked_none,
            phone=mask_phone(cipher.decrypt(case.phone_enc)) or texts.masked_none,
            text=redact_phones(text),
        )
        tell_staff(session, services, notice, dedupe_key=f"phone-call:{push_id}", now=now, case_id=case.id)
