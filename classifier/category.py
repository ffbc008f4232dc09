"""Category by hand-written weighted keywords (`category_scoring: keywords`).

Each category's score is the sum of the weights of its keywords found in the message (each keyword
counted once, so a long message that repeats a word does not outweigh a short precise one). Found
keywords do not share characters: when two overlap (疫苗 inside 狂犬疫苗, 小学 and 学生 in 中小学生),
only the longer (or, of equal length, the earlier) counts, because the longer is the more specific word
and may belong to another category, and one stretch of text is one piece of evidence. Scores are then
normalised to shares of the total, which is the confidence staff see.
"""

from __future__ import annotations

from collections import defaultdict

from classifier.result import CategoryResult
from classifier.segmenter import Segmented
from config.taxonomy import Category, CategoryThresholds


class CategoryScorer:
    def __init__(self, categories: list[Category], thresholds: CategoryThresholds) -> None:
        self._thresholds = thresholds
        # keyword -> [(category, weight)]: one word may count for several categories.
        self._uses: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for category in categories:
            for word, weight in category.keywords.items():
                self._uses[word].append((category.name, weight))

    @property
    def words(self) -> set[str]:
        return set(self._uses)

    def _found_keywords(self, seg: Segmented) -> set[str]:
        found = [(start, word) for word in seg.present if word in self._uses for start in seg.find(word)]
        # Longest first, then leftmost: the greedy pass keeps the most specific words.
        found.sort(key=lambda hit: (-len(hit[1]), hit[0]))
        taken = [False] * len(seg.text)
        kept: set[str] = set()
        for start, word in found:
            end = start + len(word)
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * len(word)
            kept.add(word)
        return kept

    def score(self, seg: Segmented) -> CategoryResult:
        raw: dict[str, float] = defaultdict(float)
        matched: dict[str, dict[str, float]] = defaultdict(dict)
        for word in self._found_keywords(seg):
            for name, weight in self._uses[word]:
                raw[name] += weight
                matched[name][word] = weight
        fallback = self._thresholds.fallback
        total = sum(v for v in raw.values() if v > 0)
        if total <= 0:
            return CategoryResult(name=fallback, confidence=0.0, matched={}, needs_review=True)
        ranked = sorted(raw.items(), key=lambda item: item[1], reverse=True)
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        shares = {name: round(value / total, 3) for name, value in ranked if value > 0}
        lead = (best_score - runner_up) / best_score if best_score > 0 else 0.0
        thresholds = self._thresholds
        if (
            best_score >= thresholds.min_score
            and lead >= thresholds.min_margin
            and shares[best] >= thresholds.min_confidence
        ):
            return CategoryResult(name=best, confidence=shares[best], matched=matched[best], scores=shares)
        return CategoryResult(
            name=fallback,
            confidence=shares.get(fallback, 0.0),
            matched=matched.get(fallback, {}),
            needs_review=True,
            scores=shares,
        )
