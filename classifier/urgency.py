"""Urgency by rules: 紧急 only when life or health is at real risk or a
deadline is hours away.

A rule fires on its words or pattern (optionally only together with one of its `with_words`), unless a
negation stands just before (没有发烧) or one of its `unless` words is in the same clause (前年脑梗以后).
The message is urgent when the fired rules' weights reach the threshold and at least one of them is not
a supporting rule: insistence (急急急, ！！！) adds weight but never decides on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.result import UrgencyResult
from classifier.segmenter import Segmented
from classifier.urgency_score import UrgencyScorer
from config.taxonomy import Urgency, UrgencyRule, UrgencyScore


@dataclass(frozen=True)
class _Rule:
    spec: UrgencyRule
    pattern: re.Pattern[str] | None
    words: frozenset[str]


class UrgencyDetector:
    def __init__(self, urgency: Urgency, score: UrgencyScore | None = None) -> None:
        self._urgency = urgency
        self._negations = frozenset(urgency.negations)
        self._hypotheticals = tuple(urgency.hypotheticals)
        self._scorer = UrgencyScorer(score) if score is not None else None
        self._rules = [
            _Rule(rule, re.compile(rule.pattern) if rule.pattern else None, frozenset(rule.words))
            for rule in urgency.rules
        ]

    @property
    def words(self) -> set[str]:
        """Every word the rules look for, so the tokenizer can be taught them."""
        found: set[str] = set(self._negations) | set(self._hypotheticals) | set(self._urgency.calm)
        for rule in self._urgency.rules:
            found.update(rule.words, rule.with_words, rule.unless)
        return found

    def _triggers(self, rule: _Rule, seg: Segmented) -> list[tuple[int, int]]:
        spans = [(start, start + len(word)) for word in seg.occurring(rule.words) for start in seg.find(word)]
        if rule.pattern is not None:
            spans.extend(m.span() for m in rule.pattern.finditer(seg.text) if m.end() > m.start())
        return sorted(spans)

    def _cancelled(self, rule: UrgencyRule, seg: Segmented, start: int) -> bool:
        if rule.negatable and seg.preceded_by(start, self._negations, self._urgency.negation_window):
            return True
        if rule.hypothetical and self._supposed(seg, start):
            return True
        clause_start, clause_end = seg.clause_bounds(start)
        return any(clause_start <= pos < clause_end for word in rule.unless for pos in seg.find(word))

    def _supposed(self, seg: Segmented, start: int) -> bool:
        """A hypothetical word stands earlier in the clause of `start` (万一|着火)."""
        clause_start, _ = seg.clause_bounds(start)
        return any(clause_start <= pos < start for word in self._hypotheticals for pos in seg.find(word))

    def _only_supposed(self, seg: Segmented) -> bool:
        """Some rule's word is there, but only as a supposition: 万一着火 is no fire, whatever the score."""
        return any(
            self._supposed(seg, start)
            for rule in self._rules
            if rule.spec.danger and rule.spec.hypothetical
            for start, _ in self._triggers(rule, seg)
        )

    def _fire(self, rule: _Rule, seg: Segmented) -> list[str] | None:
        """The evidence for `rule` in this message, or None when it does not fire."""
        live = [(s, e) for s, e in self._triggers(rule, seg) if not self._cancelled(rule.spec, seg, s)]
        if not live:
            return None
        start, end = live[0]
        evidence = [seg.original[start:end]]
        if rule.spec.with_words:
            trigger = seg.text[start:end]
            partner = next((w for w in rule.spec.with_words if w in trigger or seg.find(w)), None)
            if partner is None:
                return None
            evidence.append(partner)
        return evidence

    def detect(self, seg: Segmented) -> UrgencyResult:
        calm = any(seg.find(word) for word in self._urgency.calm)
        reasons: list[str] = []
        matched: list[str] = []
        danger: list[str] = []
        total = 0.0
        decisive = False
        for rule in self._rules:
            if calm and not rule.spec.danger:
                continue
            evidence = self._fire(rule, seg)
            if evidence is None:
                continue
            reasons.append(rule.spec.name)
            matched.extend(w for w in evidence if w not in matched)
            total += rule.spec.weight
            decisive = decisive or not rule.spec.supporting
            if rule.spec.danger and rule.spec.danger not in danger:
                danger.append(rule.spec.danger)
        urgent = decisive and total >= self._urgency.threshold
        score, score_words = (None, {}) if self._scorer is None else self._scorer.score(seg.text)
        by_rules, possible = urgent, False
        if score is not None:
            likely = score >= self._scorer.threshold and (by_rules or not self._only_supposed(seg))
            # a danger to life is urgent on the rule alone; any other rule needs the score to agree, and
            # where it does not, staff decide (a rule is never overruled silently)
            urgent = bool(danger) or (by_rules and likely)
            possible = (likely or by_rules) and not urgent
        level = self._urgency.urgent if urgent else self._urgency.possible if possible else self._urgency.normal
        return UrgencyResult(
            level=level,
            urgent=urgent,
            reasons=tuple(reasons),
            matched=tuple(matched),
            danger=tuple(danger),
            possible=possible,
            by_rules=by_rules,
            score=None if score is None else round(score, 3),
            score_words=score_words,
        )
