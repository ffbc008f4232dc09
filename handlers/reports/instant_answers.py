"""Learning from use: which instant answers were given, whether they helped, and which questions no entry
fitted (grouped, so staff see what to add to the knowledge base). The daily report and the console read it.

A question is recorded as unmatched only when it reached the matcher as a question a base could answer:
not urgent and not a request for personal help (those are cases, not gaps in the base). Its text is
sealed like other personal data and shown only to staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.reports.statistics import day_window
from handlers.services import Services
from storage.models import FaqUse

ANSWERED, HELPED, NOT_HELPED, UNMATCHED = "answered", "helped", "not_helped", "unmatched"
# the longest question kept; a longer message is a story, kept in part
QUESTION_MAX = 200
# two unmatched questions share a group when this share of their character pairs is common
GROUP_OVERLAP = 0.4


def record_answered(session: Session, now: datetime, entry: str, score: float) -> int:
    row = FaqUse(at=now, outcome=ANSWERED, entry=entry, score=score)
    session.add(row)
    session.flush()
    return row.id


def record_outcome(session: Session, use_id: object, *, helped: bool) -> None:
    if isinstance(use_id, int):
        session.execute(
            update(FaqUse)
            .where(FaqUse.id == use_id, FaqUse.outcome == ANSWERED)
            .values(outcome=HELPED if helped else NOT_HELPED)
        )


def record_unmatched(
    session: Session, services: Services, now: datetime, text: str, best_entry: str | None, score: float
) -> None:
    session.add(
        FaqUse(
            at=now,
            outcome=UNMATCHED,
            best_entry=best_entry,
            score=score,
            question_enc=services.cipher.encrypt(text[:QUESTION_MAX]),
        )
    )


@dataclass
class EntryUse:
    entry: str
    answered: int = 0
    helped: int = 0
    not_helped: int = 0


@dataclass
class QuestionGroup:
    example: str
    questions: list[str] = field(default_factory=list)
    closest_entry: str | None = None

    @property
    def count(self) -> int:
        return len(self.questions)


@dataclass
class UseSummary:
    answered: int = 0
    helped: int = 0
    not_helped: int = 0
    entries: list[EntryUse] = field(default_factory=list)
    unmatched: list[QuestionGroup] = field(default_factory=list)

    @property
    def unmatched_count(self) -> int:
        return sum(group.count for group in self.unmatched)

    def as_dict(self) -> dict[str, object]:
        return {
            "answered": self.answered,
            "helped": self.helped,
            "not_helped": self.not_helped,
            "entries": [vars(e) for e in self.entries],
            "unmatched": [
                {"example": g.example, "count": g.count, "closest_entry": g.closest_entry, "questions": g.questions}
                for g in self.unmatched
            ],
        }


def summary(session: Session, services: Services, start: datetime, end: datetime) -> UseSummary:
    """Answers and their outcomes per entry (most answered first), and unmatched questions grouped
    (largest group first) between `start` and `end`."""
    rows = session.scalars(select(FaqUse).where(FaqUse.at >= start, FaqUse.at < end).order_by(FaqUse.id)).all()
    result = UseSummary()
    per_entry: dict[str, EntryUse] = {}
    unmatched: list[tuple[str, str | None]] = []
    for row in rows:
        if row.outcome == UNMATCHED:
            unmatched.append((services.cipher.decrypt(row.question_enc) or "", row.best_entry))
            continue
        use = per_entry.setdefault(row.entry or "", EntryUse(row.entry or ""))
        use.answered += 1
        result.answered += 1
        if row.outcome == HELPED:
            use.helped += 1
            result.helped += 1
        elif row.outcome == NOT_HELPED:
            use.not_helped += 1
            result.not_helped += 1
    result.entries = sorted(per_entry.values(), key=lambda e: (-e.answered, e.entry))
    result.unmatched = group_questions(unmatched)
    return result


def day_summary(session: Session, services: Services, day: date) -> UseSummary:
    start, end = day_window(services, day)
    return summary(session, services, start, end)


def _pairs(text: str) -> set[str]:
    letters = "".join(ch for ch in text if ch.isalnum())
    return {letters[i : i + 2] for i in range(len(letters) - 1)} or {letters}


def group_questions(questions: list[tuple[str, str | None]]) -> list[QuestionGroup]:
    """Greedy grouping: a question joins the first group whose example shares enough character pairs
    with it (of the shorter one's), otherwise it starts a group; the first question is the example."""
    groups: list[tuple[set[str], QuestionGroup]] = []
    for text, closest in questions:
        pairs = _pairs(text)
        for example_pairs, group in groups:
            overlap = len(pairs & example_pairs) / (min(len(pairs), len(example_pairs)) or 1)
            if overlap >= GROUP_OVERLAP:
                group.questions.append(text)
                break
        else:
            groups.append((pairs, QuestionGroup(text, [text], closest)))
    return sorted((group for _, group in groups), key=lambda g: -g.count)


def render(services: Services, use: UseSummary, max_groups: int = 10) -> str:
    """The daily report's lines on instant answers."""
    texts = services.taxonomy.texts.instant_answers
    lines = [
        texts.report_header.format(answered=use.answered, helped=use.helped, escalated=use.not_helped)
    ]
    lines += [texts.report_entry.format(entry=e.entry, answered=e.answered, helped=e.helped) for e in use.entries]
    lines.append(texts.report_unmatched_header.format(count=use.unmatched_count))
    if use.unmatched:
        lines += [
            texts.report_unmatched_group.format(example=g.example, count=g.count) for g in use.unmatched[:max_groups]
        ]
    else:
        lines.append(texts.report_none)
    return "\n".join(lines)
