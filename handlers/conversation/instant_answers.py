"""Instant answers in the dialogue: a question the knowledge base settles is answered at once, and a case
is filed only when the answer does not settle it.

Kept apart from the intake on purpose (the intake changes often): the dialogue asks `answer_if_known`
before it starts an intake from free text, and registers the one step this module adds, the follow-up
question. Rules (README, Instant answers):

- Only a question (a question word or mark, or a message of a few words) that is not urgent and asks for
  no personal help is answered instead of the intake; a longer message that asks nothing tells the
  citizen's own situation.
  Anything urgent, or a request for help with the citizen's own situation, goes to the intake as before;
  a published answer that fits may be shown beside it, never instead of it (and never beside danger advice,
  which must stand alone).
- After the answer: 1 (已解决) ends with no case; 我要求助 (or 2) starts the intake with the question as the
  problem, so only the missing slots are asked; silence lets the conversation expire, again with no case.
- Every answer, whether it helped, and every question no entry fitted are recorded for the daily report
  (handlers/reports/instant_answers.py), so staff see what to add.
"""

from __future__ import annotations

from classifier.faq import looks_like_question
from classifier.result import Classification
from config.knowledge import Entry
from handlers.conversation import intake
from handlers.conversation.turn import Turn
from handlers.conversation.validators import Reject, meaningful_length
from handlers.knowledge_base import live_matcher
from handlers.reports import instant_answers as uses

FOLLOW_UP = "faq_follow_up"
# slots kept while the follow-up waits (encrypted with the other slots)
QUESTION = "faq_question"
ENTRY = "faq_entry"
USE = "faq_use"
# a message this short is a question even without a question word (行程码星号, 居家隔离规定)
STATEMENT_MAX = 12


def answer_if_known(turn: Turn, text: str, classification: Classification | None) -> bool:
    """Answer `text` from the knowledge base when that is what the citizen needs; True when answered
    (the conversation then waits at the follow-up question)."""
    matcher = live_matcher(turn.session, turn.services)
    if matcher is None:
        return False
    match = matcher.match(text)
    # 紧急 or danger advice; 待确认紧急 (possibly urgent, for staff to confirm on a case) does not keep a
    # published answer from a question, and the citizen can still go on to the intake from it
    urgent = classification is not None and (classification.urgency.urgent or bool(classification.urgency.danger))
    # a longer message that asks nothing tells the citizen's own situation: that is a case to file
    question = looks_like_question(text) or meaningful_length(text) <= STATEMENT_MAX
    if match.entry is None or urgent or not question:
        beside = match.entry or match.beside
        if beside is not None and not (classification is not None and classification.urgency.danger):
            turn.ask(turn.texts.instant_answers.beside.format(answer=_answer_text(turn, beside)))
        elif beside is None and question and not match.personal and not urgent:
            uses.record_unmatched(turn.session, turn.services, turn.now, text, match.best.id if match.best else None, match.score)
        return False
    turn.ask(_answer_text(turn, match.entry))
    turn.slots.clear()
    turn.slots.update({QUESTION: text, ENTRY: match.entry.id})
    turn.slots[USE] = uses.record_answered(turn.session, turn.now, match.entry.id, match.score)
    turn.go(FOLLOW_UP)
    reprompt(turn)
    return True


def _answer_text(turn: Turn, entry: Entry) -> str:
    texts = turn.texts.instant_answers
    parts = []
    if entry.source:
        parts.append(texts.about_source.format(source=entry.source))
    if entry.updated:
        parts.append(texts.about_updated.format(updated=entry.updated.isoformat()))
    about = texts.about.format(parts=texts.about_separator.join(parts)) if parts else ""
    return texts.answer.format(answer=entry.answer, about=about)


def choices(turn: Turn) -> tuple[str, ...]:
    texts = turn.texts.instant_answers
    return (texts.choice_solved, texts.choice_help)


def reprompt(turn: Turn) -> None:
    turn.ask(turn.texts.instant_answers.follow_up, choices(turn))


def choose(turn: Turn, index: int) -> None:
    """1 / 已解决: done, no case. 2 / 我要求助: the intake, with the question as the problem."""
    question = str(turn.slots.get(QUESTION) or "")
    use = turn.slots.get(USE)
    if index == 0:
        uses.record_outcome(turn.session, use, helped=True)
        turn.reset()
        turn.ask(turn.texts.instant_answers.solved)
        return
    uses.record_outcome(turn.session, use, helped=False)
    turn.reset()
    turn.ask(turn.texts.instant_answers.to_intake)
    parsed = intake.SLOTS["problem"].parse(turn, question)
    intake.start(turn, {} if isinstance(parsed, Reject) else {"problem": parsed.value})


def leave(turn: Turn) -> None:
    """Anything else at the follow-up (another question, a story): the answer is left behind, unrated."""
    turn.reset()
