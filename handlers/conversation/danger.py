"""Danger to life: tell the citizen the emergency number first, and alert staff at once.

The alert does not wait for the form to be finished: a woman in labour may never reach the summary; what
it carries and how it is repeated until someone has contacted the citizen: handlers/staff/danger_alerts.py.
"""

from __future__ import annotations

from classifier import Classification
from handlers.conversation.turn import Turn
from handlers.messages import Reply
from handlers.staff.danger_alerts import raise_alert

_ADVICE = {"120": "emergency_120", "110": "emergency_110", "119": "emergency_119"}


def warn_if_dangerous(turn: Turn, text: str, classification: Classification) -> bool:
    numbers = classification.urgency.danger
    if not numbers:
        return False
    turn.slots["danger"] = True
    said = {reply.text for reply in turn.urgent_first}
    for number in dict.fromkeys(numbers):
        key = _ADVICE.get(number, "emergency_120")
        advice = turn.text(key)
        if advice not in said:
            turn.urgent_first.append(Reply(advice))
            said.add(advice)
    raise_alert(turn.session, turn.services, turn.incoming, classification, text, turn.slots.get("district"),
                turn.now)
    return True
