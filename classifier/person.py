"""The person in need, read from what a citizen wrote: for whom (a relation), how old, in what condition.

Pure and rule-based (the taxonomy's `intake.person`). Most requests in the seeds are for someone else (an
old parent, a child, a brother); staff need to know who, and urgency needs to know that an old person is
alone when they are ill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from classifier.built_once import built_once
from classifier.traditional import to_simplified
from config.intake import PersonInNeed

# 78岁, 八十多岁, 七十五岁 …; 7旬老人
_AGE = re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})(?:多|来)?(?:周)?岁")
_DECADE = re.compile(r"([六七八九])旬")
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_DIGITS.get(tens, 0) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
        return value
    return _DIGITS.get(text)


@dataclass(frozen=True)
class PersonFacts:
    """Who needs the help. `relation` None: the text suggests nobody else."""

    relation: str | None = None
    age: int | None = None
    conditions: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "age": self.age, "conditions": list(self.conditions)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PersonFacts | None:
        if not data:
            return None
        return cls(relation=data.get("relation"), age=data.get("age"), conditions=tuple(data.get("conditions") or ()))


class PersonReader:
    def __init__(self, rules: PersonInNeed) -> None:
        self._rules = rules
        # longest word first, so 老母亲 is read before 母亲
        self._relations = sorted(
            ((to_simplified(word), label) for label, words in rules.relations.items() for word in words),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )

    def relation(self, text: str) -> str | None:
        """The relation the text first names (我妈 -> 母亲), or None when it names nobody else."""
        folded = to_simplified(text)
        best: tuple[int, str] | None = None
        for word, label in self._relations:
            position = folded.find(word)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, label)
        return best[1] if best else None

    def age(self, text: str) -> int | None:
        folded = to_simplified(text)
        match = _AGE.search(folded)
        if match:
            age = _chinese_number(match.group(1))
            if age is not None and 0 < age < 120:
                return age
        decade = _DECADE.search(folded)
        return _DIGITS[decade.group(1)] * 10 if decade else None

    def conditions(self, text: str, age: int | None) -> tuple[str, ...]:
        folded = to_simplified(text)
        found = [label for label, words in self._rules.conditions.items()
                 if any(to_simplified(word) in folded for word in words)]
        if age is not None and age >= self._rules.elderly_age and self._rules.elderly not in found:
            found.insert(0, self._rules.elderly)
        return tuple(found)

    def read(self, text: str, *, for_self: bool = False) -> PersonFacts:
        """What the text says of the person in need; `for_self`: the writer said it is for themselves."""
        age = self.age(text)
        relation = self._rules.self_label if for_self else self.relation(text)
        return PersonFacts(relation=relation, age=age, conditions=self.conditions(text, age))

    def is_self(self, answer: str) -> bool:
        return to_simplified(answer.strip()) in {to_simplified(word) for word in self._rules.self_words}

    def urgent_reason(self, facts: PersonFacts | None, problem: str) -> str | None:
        """The reason the person's conditions make the case urgent (an old person alone, and ill), or None."""
        rules = self._rules
        if facts is None or not rules.urgent_conditions:
            return None
        if not all(condition in facts.conditions for condition in rules.urgent_conditions):
            return None
        folded = to_simplified(problem)
        if any(to_simplified(word) in folded for word in rules.health_words):
            return rules.urgent_reason
        return None



def person_reader(rules: PersonInNeed) -> PersonReader:
    """The process's PersonReader for these rules, built once (the taxonomy lives as long as the process)."""
    return built_once(rules, PersonReader)
