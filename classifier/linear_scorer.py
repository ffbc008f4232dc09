"""Category by a learned lexicon (`category_scoring: linear`, written by `yibang learn`).

The lexicon is a linear model that a person can still read: per category a bias and words with weights,
negative ones included (学校 speaks against 城乡建设). For a message, the words are found by the lexicon
itself (classifier/word_matcher.py) and each found word w, seen n times, counts

    (1 + ln n) / sqrt(number of different lexicon words found)

times its weight in each category: repeating a word adds less and less, and a long message with many
words is not surer than a short one. A category's score is its bias plus those sums; the confidence is
the softmax probability of the scores, which is what the model was trained to predict (multinomial
logistic regression, classifier/learning.py), so 0.9 means about nine in ten such messages were right
in training.

Categories with neither keywords nor bias (the fallback, 其他) do not compete: they are the answer when
no word is found or the thresholds are not met, and the message is flagged for a person.
"""

from __future__ import annotations

import math

import numpy as np

from classifier.result import CategoryResult
from classifier.segmenter import Segmented
from classifier.word_matcher import WordMatcher
from config.taxonomy import Category, CategoryThresholds

# How many of the winner's words the evidence lists (a long message holds a hundred).
EVIDENCE_WORDS = 8


def word_strengths(counts: dict[str, int]) -> dict[str, float]:
    """How much each found word counts: (1 + ln count) / sqrt(number of different words found).

    `yibang learn` computes its features with this; the scorer computes the same with arrays.
    """
    if not counts:
        return {}
    scale = 1.0 / math.sqrt(len(counts))
    return {word: (1.0 + math.log(n)) * scale for word, n in counts.items()}


class LinearCategoryScorer:
    """Read-only after construction; the weights are an array (words x categories) for speed: a long
    message finds a hundred or more words, and one array product adds them up."""

    def __init__(self, categories: list[Category], thresholds: CategoryThresholds) -> None:
        self._thresholds = thresholds
        competing = [c for c in categories if c.keywords or c.bias]
        self._names = [c.name for c in competing]
        self._bias = np.array([c.bias for c in competing], dtype=np.float64)
        words = sorted({word for category in competing for word in category.keywords})
        self._row = {word: i for i, word in enumerate(words)}
        self._weights = np.zeros((len(words), len(competing)))
        for k, category in enumerate(competing):
            for word, weight in category.keywords.items():
                self._weights[self._row[word], k] = weight
        self._words = words
        self._matcher = WordMatcher(words)

    @property
    def words(self) -> set[str]:
        """Nothing for jieba: the lexicon finds its own words."""
        return set()

    def score(self, seg: Segmented) -> CategoryResult:
        fallback = self._thresholds.fallback
        counts = self._matcher.count(seg.text)
        if not counts or not self._names:
            return CategoryResult(name=fallback, confidence=0.0, matched={}, needs_review=True)
        row = self._row
        rows = np.array([row[word] for word in counts], dtype=np.intp)
        times = np.array(list(counts.values()), dtype=np.float64)
        # word_strengths, as arrays
        strengths = (1.0 + np.log(times)) / math.sqrt(len(counts))
        weights = self._weights[rows]
        scores = self._bias + strengths @ weights
        exps = np.exp(scores - scores.max())
        probabilities = exps / exps.sum()
        ranked = np.argsort(-probabilities, kind="stable")
        best = int(ranked[0])
        confidence = float(probabilities[best])
        runner_up = float(probabilities[ranked[1]]) if len(ranked) > 1 else 0.0
        shares = {
            self._names[i]: round(float(probabilities[i]), 3) for i in ranked if probabilities[i] >= 0.0005
        }
        thresholds = self._thresholds
        if (
            confidence >= thresholds.min_confidence
            and (confidence - runner_up) / confidence >= thresholds.min_margin
        ):
            contributions = strengths * weights[:, best]
            strongest = [i for i in np.argsort(-contributions)[:EVIDENCE_WORDS] if contributions[i] > 0]
            return CategoryResult(
                name=self._names[best],
                confidence=round(confidence, 3),
                matched={self._words[rows[i]]: round(float(contributions[i]), 3) for i in strongest},
                scores=shares,
            )
        return CategoryResult(name=fallback, confidence=0.0, matched={}, needs_review=True, scores=shares)
