"""Danger to life: tell the citizen the emergency number first, and alert staff at once.

The alert does not wait for the form to be finished: a woman in labour may never reach the summary.
"""

from __future__ import annotations

from classifier import Classification
from handlers.conversation.turn import Turn
from handlers.messages import Reply
from handlers.staff.notices import tell_staff
from handlers.wording import citizen_words

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
    incoming = turn.incoming
    tell_staff(
        turn.session,
        turn.services,
        turn.text(
            "staff_danger_alert",
            channel=incoming.channel,
            reasons=turn.texts.list_separator.join(classification.urgency.reasons),
            problem=citizen_words(text),
        ),
        dedupe_key=f"danger:{incoming.channel}:{incoming.user_key}:{incoming.message_id}",
        now=turn.now,
        urgent=True,
    )
    return True
