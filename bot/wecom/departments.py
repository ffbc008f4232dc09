"""Departments' WeCom group robots: the case handed over (交办), 催办 and reminders, one robot per
department (`yibang department set NAME --wecom-webhook URL`).

The robot's webhook URL is read, unsealed, just before each send — it is a secret and may have changed
since the row was queued — and each robot keeps its own 20 messages a minute.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.wecom.robot import RobotSender, markdown, markdown_card
from handlers.delivery.outbox import OutboxItem
from handlers.delivery.payloads import OutboxKind
from handlers.departments.contacts import OUTBOX_CHANNELS, WECOM, address_of
from handlers.departments.handover import handover_message

CHANNEL = OUTBOX_CHANNELS[WECOM]


class DepartmentRobotSender(RobotSender):
    channel = CHANNEL

    async def webhook_for(self, item: OutboxItem) -> str | None:
        return await asyncio.to_thread(address_of, self.services, item.target, WECOM)

    def bodies(self, item: OutboxItem) -> list[dict[str, Any]]:
        if item.kind is OutboxKind.DEPARTMENT_HANDOVER:
            handover = handover_message(self.services, item.payload, item.case_id, WECOM)
            return [] if handover is None else [markdown(markdown_card(self.services.taxonomy.texts, handover.text))]
        return super().bodies(item)
