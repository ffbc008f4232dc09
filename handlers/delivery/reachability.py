"""Can a citizen still be reached on their channel, and what happens when they cannot.

A platform may refuse to deliver for good: the citizen blocked the bot (Telegram 403) or unfollowed the
account (WeChat). That is kept on their conversation, so later pushes are not tried, until the citizen
writes again (the dialogue clears it). Some platforms also allow pushes only for a while after the
citizen's last message (WeChat's 48 hours): `Reach.wrote_within` answers that. When no way is left, the
case is flagged for a phone call and staff are told, with the contact masked as on every staff card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.cases.timeline import SYSTEM, add_event
from handlers.services import Services
from handlers.staff.notices import tell_staff
from handlers.wording import citizen_words
from storage.conversations import find_conversation, mark_unreachable
from storage.encryption import mask_name, mask_phone
from storage.models import Case

PHONE_CALL_NEEDED = "phone_call_needed"


@dataclass(frozen=True)
class Reach:
    """What is known of a citizen on one channel."""

    known: bool  # they have written to us on this channel
    unreachable: bool  # the platform said they blocked or left us
    last_message_at: datetime | None

    def wrote_within(self, span: timedelta, now: datetime) -> bool:
        return self.last_message_at is not None and now - self.last_message_at < span


def reach(services: Services, channel: str, user_key: str) -> Reach:
    with services.db.reading() as session:
        conversation = find_conversation(session, channel, user_key)
        if conversation is None:
            return Reach(known=False, unreachable=False, last_message_at=None)
        return Reach(True, conversation.unreachable_at is not None, conversation.last_incoming_at)


def gone(services: Services, channel: str, user_key: str) -> None:
    """The platform refused to deliver to this citizen for good: later pushes are not tried."""
    with services.db.transaction() as session:
        mark_unreachable(session, channel, user_key, services.clock.now())


def flag_for_phone_call(services: Services, case_id: int, text: str, reason: str, *, push_id: int,
                        staff_notice: str = "wechat_staff_phone_call") -> None:
    """No channel reaches the citizen any more (or, for an Open311 request, the phone is their channel): the
    case is flagged, the timeline says why, and staff are told once per push (`push_id`: its outbox row)
    in the words of the taxonomy's `staff_notice` text."""
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
            text=citizen_words(text),
        )
        tell_staff(session, services, notice, dedupe_key=f"phone-call:{push_id}", now=now, case_id=case.id)
