"""A photo or file in the conversation: recorded at once (with its fetch job) and the citizen told the
truth — it goes with the request being filled in, is offered to their open case, or starts a request;
refused at once, with the reason, when the platform already says it is too large or not a photo or PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.attachments import records
from handlers.conversation import intake, progress, supplement
from handlers.conversation.intake import ATTACHMENTS
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Value, clean_text

# What the dialogue takes: photos, and files that may be photos or PDFs (checked by content once fetched).
ACCEPTED = frozenset({"photo", "document"})
ACCEPTED_TYPES = ("image/", "application/pdf")


def on_file(turn: Turn, reprompt: Callable[[Turn], None]) -> None:
    """A photo or document message (voice and the rest are answered by the dialogue itself)."""
    pending = list(turn.slots.get(ATTACHMENTS, [])) if _collecting(turn) else []
    # A caption says what the photo shows: the problem of a new request, or the words of a supplement.
    caption = clean_text(turn.incoming.text)
    open_case = None
    if not intake.in_intake(turn.step) and turn.step != supplement.SUPPLEMENT:
        open_cases = progress.open_cases(turn)
        open_case = open_cases[0] if open_cases else None
    attachment = _receive(turn, pending, open_case.id if open_case is not None else None)
    if attachment is None:
        reprompt(turn)
        return
    if intake.in_intake(turn.step):
        turn.slots[ATTACHMENTS] = pending + [attachment]
        turn.say("attachment_received")
        reprompt(turn)
    elif turn.step == supplement.SUPPLEMENT:
        turn.slots[ATTACHMENTS] = pending + [attachment]
        supplement.reprompt(turn)
    elif open_case is not None:
        supplement.offer(turn, open_case, caption, attachment)
    else:
        turn.say("attachment_received")
        prefill: dict[str, Any] = {ATTACHMENTS: [attachment]}
        problem = intake.SLOTS["problem"].parse(turn, caption) if caption else None
        if isinstance(problem, Value):
            prefill["problem"] = problem.value
        intake.start(turn, prefill)


def _collecting(turn: Turn) -> bool:
    return intake.in_intake(turn.step) or turn.step == supplement.SUPPLEMENT


def _receive(turn: Turn, pending: list[int], case_id: int | None) -> int | None:
    """Record the file with its fetch job; None after telling the citizen why it cannot be taken."""
    incoming = turn.incoming
    payload = incoming.payload
    settings = turn.services.settings
    limit = settings.media_max_per_case
    if records.fetcher_of(incoming.channel) is None or not payload.get("file_id"):
        turn.say("media_not_supported")
        return None
    mime = payload.get("mime", "")
    if payload.get("media") == "document" and mime and not mime.startswith(ACCEPTED_TYPES):
        turn.say("attachment_not_accepted")
        return None
    declared = str(payload.get("size") or "")
    if declared.isdigit() and int(declared) > settings.media_max_bytes:
        turn.say("attachment_too_large", limit=records.megabytes(settings.media_max_bytes))
        return None
    already = len(pending) + (records.kept_count(turn.session, case_id) if case_id is not None else 0)
    if already >= limit:
        turn.say("attachment_limit", limit=limit)
        return None
    return records.record(turn.session, turn.services, channel=incoming.channel, user_key=incoming.user_key,
                          chat_key=incoming.chat_key, message_id=incoming.message_id,
                          media=payload.get("media", "photo"), file_ref=payload["file_id"], now=turn.now,
                          case_id=None)
