"""Telling an Open311 request's citizen of progress: on the phone number they left, by a person.

The outbox row for the citizen becomes a phone call for staff to make (the case is flagged and staff are
told in their group); a request without a phone number has nothing pushed at all (handlers' NOT_TOLD).
"""

from __future__ import annotations

import asyncio

from bot.dispatcher import GiveUp, SendResult, Sent
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.reachability import flag_for_phone_call
from handlers.open311.requests import CHANNEL, TELL_BY_PHONE
from handlers.services import Services


class PhoneCallSender:
    channel = CHANNEL

    def __init__(self, services: Services):
        self.services = services

    async def send(self, item: OutboxItem) -> SendResult:
        if not item.target.startswith(TELL_BY_PHONE) or item.case_id is None:
            return GiveUp(f"an Open311 request's citizen is told by phone only, not at {item.target!r}")
        texts = self.services.taxonomy.texts
        await asyncio.to_thread(
            flag_for_phone_call, self.services, item.case_id, str(item.payload.get("text", "")),
            texts.open311_phone_call_reason, push_id=item.id, staff_notice="open311_staff_phone_call",
        )
        return Sent()
