"""签收 pressed in a department's chat: whoever is in the chat the department is reached at speaks for it.

Like every step from a chat (handlers/staff/desk.py), the press is one transaction, recorded in the inbox
so a redelivery changes nothing; a supervisor may press anywhere. Anyone else is refused, and logged.
"""

from __future__ import annotations

import logging

from handlers.cases.actions import DEPARTMENT, SUPERVISOR, ActionRefused, Actor, CaseDesk
from handlers.departments.contacts import departments_of_chat
from handlers.departments.workflow import accept
from handlers.services import Services
from handlers.staff.directory import StaffUser, role_of
from storage import inbox

log = logging.getLogger(__name__)


def accept_in_chat(services: Services, who: StaffUser, message_id: str, number: str) -> str | None:
    """签收 from a button; what to tell the presser, or None for a redelivered press."""
    with services.db.transaction() as session:
        chat_departments = departments_of_chat(session, services, who.channel, who.chat_key)
        role = role_of(session, services, who.channel, who.user_key)
        if role != SUPERVISOR and not chat_departments:
            log.warning("refused an acceptance from %s:%s in chat %s", who.channel, who.user_key, who.chat_key)
            raise ActionRefused(services.taxonomy.texts.staff_refused)
        now = services.clock.now()
        if not inbox.record(session, who.channel, who.user_key, message_id, now, None):
            return None
        desk = CaseDesk(services, session, Actor(f"{who.channel}:{who.user_key}", who.name), now)
        case = desk.case(number)
        department = case.department if case.department in chat_departments else next(iter(chat_departments), None)
        desk.actor = Actor(desk.actor.key, who.name, SUPERVISOR if role == SUPERVISOR else DEPARTMENT, department)
        return accept(desk, case)
