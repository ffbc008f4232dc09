"""A learned urgency score: how likely a message is 紧急, from its words (`urgency_score:` in a taxonomy).

The rules (classifier/urgency.py) name the emergencies a rule can name; the score catches the ones they do
not (a child who swallowed a coin, a failing oxygen machine, a person with dementia alone). It is the same
kind of readable linear model as a learned category lexicon — a bias and words with weights, found by the
lexicon itself and counted as in classifier/linear_scorer.py — but with two classes, so one weight per word
(log-odds of 紧急 over 一般) and a probability by the logistic function. `yibang learn --urgency` writes it.

A message the score puts at or above `threshold` but no rule calls urgent is *possibly urgent*
(待确认紧急): staff confirm or clear it. The threshold is chosen by cross-validation for recall
(benchmarks/zhengzhou.py), because a missed emergency costs more than a button press.
"""

from __future__ import annotations

import math

from classifier.linear_scorer import word_strengths
from classifier.word_matcher import WordMatcher
from config.taxonomy import UrgencyScore

# How many words the evidence lists: the strongest for urgency.
EVIDENCE_WORDS = 6


class UrgencyScorer:
    """Read-only after construction."""

    def __init__(self, spec: UrgencyScore) -> None:
        self._spec = spec
        self._matcher = WordMatcher(spec.keywords)

    @property
    def threshold(self) -> float:
        return self._spec.threshold

    def score(self, text: str) -> tuple[float, dict[str, float]]:
        """The probability that `text` (folded) is urgent, and the words that raised it most."""
        strengths = word_strengths(self._matcher.count(text))
        weights = self._spec.keywords
        contributions = {word: s * weights[word] for word, s in strengths.items()}
        logit = self._spec.bias + sum(contributions.values())
        probability = 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))
        strongest = sorted((item for item in contributions.items() if item[1] > 0), key=lambda i: -i[1])
        return probability, {word: round(value, 3) for word, value in strongest[:EVIDENCE_WORDS]}
