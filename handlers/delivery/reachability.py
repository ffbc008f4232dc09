"""When no channel can reach a citizen any more, a person phones them.

The case is flagged for a phone call, the timeline says why, and staff are told, with the contact masked as
on every staff card: a WeChat citizen past the 48-hour window with no template, or one who unfollowed; an
Open311 request whose citizen left a phone number to be told on.
"""

from __future__ import annotations

from handlers.cases.timeline import SYSTEM, add_event
from handlers.services import Services
from handlers.staff.notices import tell_staff
from storage.encryption import mask_name, mask_phone, redact_phones
from storage.models import Case

PHONE_CALL_NEEDED = "phone_call_needed"


def flag_for_phone_call(services: Services, case_id: int, text: str, reason: str, *, push_id: int,
                        staff_notice: str = "wechat_staff_phone_call") -> None:
    """The case is flagged, the timeline says why, and staff are told once per undeliverable push
    (`push_id`: its outbox row) in the words of the taxonomy's `staff_notice` text."""
    texts = services.taxonomy.texts
    cipher = services.cipher
    now = services.clock.now()
    with services.db.transaction() as session:
        case = session.get(Case, case_id, with_for_update=True)
        if case is None:
            return
        case.needs_phone_call = True
        add_event(session, case, kind=PHONE_CALL_NEEDED, actor=SYSTEM, at=now, text=reason)
        notice = getattr(texts, staff_notice).format(
            number=case.number,
            reason=reason,
            name=mask_name(cipher.decrypt(case.name_enc)) or texts.masked_none,
            phone=mask_phone(cipher.decrypt(case.phone_enc)) or texts.masked_none,
            text=redact_phones(text),
        )
        tell_staff(session, services, notice, dedupe_key=f"phone-call:{push_id}", now=now, case_id=case.id)
