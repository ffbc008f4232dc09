"""When the classifier is unsure, ask the citizen: one tap (or one digit) among the likeliest categories.

After the citizen confirms the summary, a problem whose category did not pass the thresholds
(`category_thresholds`: the classifier's `needs_review`, or a confidence under `ask_below`) is not filed at once: the citizen is asked which of
the two or three likeliest categories it is, or 其他. That is at most one extra answer, and only when unsure.
The choice files the case under that category (其他 flags it for staff to categorise), and a `category_chosen`
event keeps it beside the classifier's guess, with the text, so `yibang overrides export` hands it to the
next `yibang learn`.
"""

from __future__ import annotations

from classifier import Classification
from handlers.cases.timeline import CITIZEN, add_event
from handlers.conversation import correction
from handlers.conversation.filing import file_case
from handlers.conversation.turn import Turn
from storage.cases import case_by_number

CHOOSE_CATEGORY = "choose_category"
OPTIONS = "_category_options"
GUESS = "_category_guess"
MAX_OFFERED = 3
# a category the model gives less than this share is not worth a button
MIN_SHARE = 0.05


def likeliest(classification: Classification, fallback: str) -> list[str]:
    """Up to three categories by the model's probability (the best first, even when it is the guess), then
    the fallback (其他) last."""
    ranked = [name for name, share in classification.category.scores.items()
              if name != fallback and share >= MIN_SHARE]
    return [*ranked[:MAX_OFFERED], fallback]


def offer(turn: Turn) -> bool:
    """Ask the citizen to choose when the classifier is unsure; False (nothing asked) when it is sure."""
    classification = turn.services.classify(turn.slots["problem"])
    category = classification.category
    if not category.needs_review and category.confidence >= turn.taxonomy.category_thresholds.ask_below:
        return False
    fallback = turn.taxonomy.category_thresholds.fallback
    options = likeliest(classification, fallback)
    if len(options) < 2:  # nothing to choose between
        return False
    turn.slots[OPTIONS] = options
    ranked = list(classification.category.scores)
    turn.slots[GUESS] = ranked[0] if ranked else classification.category.name
    turn.go(CHOOSE_CATEGORY)
    reprompt(turn)
    return True


def choices(turn: Turn) -> tuple[str, ...]:
    return tuple(turn.slots.get(OPTIONS) or ())


def reprompt(turn: Turn) -> None:
    turn.ask(turn.texts.ask_category_choice, choices(turn))


def choose(turn: Turn, index: int) -> None:
    """File the case under the chosen category; record the choice beside the guess."""
    options = choices(turn)
    chosen = options[index]
    guess = turn.slots.get(GUESS) or chosen
    fallback = turn.taxonomy.category_thresholds.fallback
    number = file_case(turn, category=None if chosen == fallback else chosen)
    case = case_by_number(turn.session, number)
    if case is not None:
        # none of the likeliest: a person categorises it
        case.needs_review = case.needs_review or chosen == fallback
        add_event(turn.session, case, kind="category_chosen", actor=CITIZEN, at=turn.now, public=False,
                  text=turn.text("event_category_chosen", chosen=chosen, guess=guess),
                  data={"field": "category", "old": guess, "new": chosen, "options": list(options),
                        "problem": turn.slots["problem"]})
    turn.reset()
    correction.offer_after_filing(turn, number)
