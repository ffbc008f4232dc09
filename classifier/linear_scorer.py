"""Category by a learned lexicon (DESIGN §8; `category_scoring: linear`, written by `yibang learn`).

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

from classifier.result import CategoryResult
from classifier.segmenter import Segmented
from classifier.word_matcher import WordMatcher
from config.taxonomy import Category, CategoryThresholds

# How many of the winner's words the evidence lists (a long message holds a hundred).
EVIDENCE_WORDS = 8


def word_strengths(counts: dict[str, int]) -> dict[str, float]:
    """How much each found word counts (the same formula when learning and when classifying)."""
    if not counts:
        return {}
    scale = 1.0 / math.sqrt(len(counts))
    return {word: (1.0 + math.log(n)) * scale for word, n in counts.items()}


def softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class LinearCategoryScorer:
    def __init__(self, categories: list[Category], thresholds: CategoryThresholds) -> None:
        self._thresholds = thresholds
        competing = [c for c in categories if c.keywords or c.bias]
        self._names = [c.name for c in competing]
        self._bias = [c.bias for c in competing]
        # word -> [(category index, weight)]
        self._uses: dict[str, list[tuple[int, float]]] = {}
        for index, category in enumerate(competing):
            for word, weight in category.keywords.items():
                self._uses.setdefault(word, []).append((index, weight))
        self._matcher = WordMatcher(self._uses)

    @property
    def words(self) -> set[str]:
        """Nothing for jieba: the lexicon finds its own words."""
        return set()

    def score(self, seg: Segmented) -> CategoryResult:
        fallback = self._thresholds.fallback
        strengths = word_strengths(self._matcher.count(seg.text))
        if not strengths or not self._names:
            return CategoryResult(name=fallback, confidence=0.0, matched={}, needs_review=True)
        scores = list(self._bias)
        for word, strength in strengths.items():
            for index, weight in self._uses[word]:
                scores[index] += weight * strength
        probabilities = softmax(scores)
        ranked = sorted(range(len(scores)), key=probabilities.__getitem__, reverse=True)
        best = ranked[0]
        confidence = probabilities[best]
        runner_up = probabilities[ranked[1]] if len(ranked) > 1 else 0.0
        shares = {self._names[i]: round(probabilities[i], 3) for i in ranked if probabilities[i] >= 0.0005}
        thresholds = self._thresholds
        if confidence >= thresholds.min_confidence and (confidence - runner_up) / confidence >= thresholds.min_margin:
            return CategoryResult(
                name=self._names[best],
                confidence=round(confidence, 3),
                matched=self._evidence(best, strengths),
                scores=shares,
            )
        return CategoryResult(name=fallback, confidence=0.0, matched={}, needs_review=True, scores=shares)

    def _evidence(self, index: int, strengths: dict[str, float]) -> dict[str, float]:
        """The words that pushed hardest for the category, with what each contributed."""
        contributions = {
            word: weight * strengths[word]
            for word in strengths
            for i, weight in self._uses[word]
            if i == index and weight > 0
        }
        strongest = sorted(contributions.items(), key=lambda item: item[1], reverse=True)[:EVIDENCE_WORDS]
        return {word: round(value, 3) for word, value in strongest}
