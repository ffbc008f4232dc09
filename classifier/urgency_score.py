"""A learned urgency score: how likely a message is 紧急, from its words and character pairs.

The rules (classifier/urgency.py) name the emergencies a rule can name; the score catches the ones they do
not (a child who swallowed a coin, a failing oxygen machine, a person with dementia alone). It is the same
kind of readable linear model as a learned category lexicon — a bias and words with weights, found by the
lexicon itself and counted as in classifier/linear_scorer.py — but with two classes, so one weight per word
(log-odds of 紧急 over 一般) and a probability by the logistic function; beside the words, every pair of
adjacent Han characters counts too (`pairs:`), which is what reads typos and dialect
(classifier/urgency_learning.py). `yibang learn --urgency` writes it as `urgency_score:` in the taxonomy.

A message the score puts at or above `threshold` but no rule calls urgent is *possibly urgent*
(待确认紧急): staff confirm or clear it. The threshold is chosen by cross-validation for recall
(benchmarks/zhengzhou.py), because a missed emergency costs more than a button press.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from classifier.linear_scorer import word_strengths
from classifier.word_matcher import WordMatcher
from config.taxonomy import UrgencyScore

# How many words the evidence lists: the strongest for urgency.
EVIDENCE_WORDS = 6
# a character pair's key among the features (no learned word starts with it: words hold a Han character
# and jieba cuts # off alone)
PAIR = "#"
_HAN_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


def han_pairs(text: str) -> list[str]:
    """Every pair of adjacent Han characters of `text`, in order (overlapping)."""
    return _HAN_PAIR.findall(text)


def feature_strengths(text: str, matcher: WordMatcher) -> dict[str, float]:
    """Each feature found -> how much it counts: the lexicon's words and the pairs (PAIR + pair), together
    scaled as words are in classification (classifier/linear_scorer.py)."""
    counts: Counter[str] = Counter(matcher.count(text))
    counts.update(PAIR + pair for pair in han_pairs(text))
    return word_strengths(counts)


class UrgencyScorer:
    """Read-only after construction."""

    def __init__(self, spec: UrgencyScore) -> None:
        self._spec = spec
        self._matcher = WordMatcher(spec.keywords)
        self._weights = dict(spec.keywords) | {PAIR + pair: weight for pair, weight in spec.pairs.items()}

    @property
    def threshold(self) -> float:
        return self._spec.threshold

    def score(self, text: str) -> tuple[float, dict[str, float]]:
        """The probability that `text` (folded) is urgent, and the words and pairs that raised it most."""
        weights = self._weights
        contributions = {
            key.removeprefix(PAIR): s * weights[key]
            for key, s in feature_strengths(text, self._matcher).items()
            if key in weights
        }
        logit = self._spec.bias + sum(contributions.values())
        probability = 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))
        strongest = sorted((item for item in contributions.items() if item[1] > 0), key=lambda i: -i[1])
        return probability, {word: round(value, 3) for word, value in strongest[:EVIDENCE_WORDS]}
