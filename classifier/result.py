"""What the classifier says about a message, with its evidence: staff see why, and can override."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CategoryResult:
    name: str
    confidence: float
    # keyword -> weight it contributed
    matched: dict[str, float] = field(default_factory=dict)
    # True when no category passed the thresholds and the fallback was used: a person should categorise.
    needs_review: bool = False
    # every category with evidence -> its share of the total score, best first (what the runner-up was)
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class UrgencyResult:
    level: str
    urgent: bool
    # names of the rules that fired (临产, 透析, 独居老人生病 …)
    reasons: tuple[str, ...] = ()
    # the words or text that fired them
    matched: tuple[str, ...] = ()
    # emergency numbers to tell the citizen at once ("120", "110", "119"), in rule order
    danger: tuple[str, ...] = ()
    # the learned score says urgent and no rule does: staff confirm or clear (level 待确认紧急)
    possible: bool = False
    # the rules alone say urgent (before the learned score is heard)
    by_rules: bool = False
    # the learned probability of 紧急 (None without a learned score) and the words that raised it most
    score: float | None = None
    score_words: dict[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        """Urgent or possibly urgent: the contact deadline runs as for urgent."""
        return self.urgent or self.possible


@dataclass(frozen=True)
class DistrictResult:
    name: str | None
    # the word in the text that named it (an alias, a place), or None
    evidence: str | None = None


@dataclass(frozen=True)
class Classification:
    category: CategoryResult
    urgency: UrgencyResult
    district: DistrictResult

    def evidence(self) -> dict[str, Any]:
        """JSON-ready form, stored on the case and shown to staff."""
        return asdict(self)
