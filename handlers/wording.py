"""Turning values into the words the citizen and staff read: durations, times, states, numbered choices."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta

from config.taxonomy import Taxonomy
from handlers.messages import Reply
from storage.encryption import redact_identifiers

# Every way to start a new line (and the controls some clients draw as one): inside a staff message a
# citizen's line break could start a line that looks like the card's own (联系人：…, 联系时限：…).
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# What a citizen's line break looks like inside a staff message: visibly theirs, never a line of the card.
LINE_BREAK_MARK = " ↵ "


def citizen_words(text: str) -> str:
    """A citizen's words as staff see them in a card or notice: mobile numbers masked, on one line."""
    return _LINE_BREAKS.sub(LINE_BREAK_MARK, redact_identifiers(text)).strip()


def duration(taxonomy: Taxonomy, span: timedelta) -> str:
    texts = taxonomy.texts
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return texts.duration_days.format(n=minutes // (24 * 60))
    if minutes % 60 == 0:
        return texts.duration_hours.format(n=minutes // 60)
    return texts.duration_minutes.format(n=minutes)


def status_label(taxonomy: Taxonomy, status: str) -> str:
    return getattr(taxonomy.statuses, status, status)


def numbered(taxonomy: Taxonomy, reply: Reply) -> str:
    """A reply as plain text with "回复 1 选择 金水区" lines, for channels without buttons."""
    if not reply.choices:
        return reply.text
    lines = [reply.text]
    lines.extend(
        taxonomy.texts.numbered_choice.format(number=index, label=choice.label)
        for index, choice in enumerate(reply.choices, start=1)
    )
    return "\n".join(lines)


def match_choice(text: str, labels: Sequence[str], synonyms: dict[str, int] | None = None) -> int | None:
    """The index of the choice a citizen meant: its number ("1", "１", "1."), its label, or a synonym."""
    answer = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！、 ").lower()
    if answer.isdigit():
        number = int(answer)
        return number - 1 if 1 <= number <= len(labels) else None
    for index, label in enumerate(labels):
        if answer == label.lower():
            return index
    if synonyms and answer in synonyms:
        return synonyms[answer]
    return None
