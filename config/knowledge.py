"""The knowledge base for instant answers: published answers to the questions citizens ask most.

A YAML file named by YIBANG_KNOWLEDGE_BASE (README, Instant answers). Each entry has a stable id, the ways
people ask (`questions`: the staff-written ones first, then phrasings learned from use), the answer, and
optionally its source and date, which the citizen sees with the answer. `synonyms` maps an official word
to the colloquial ones citizens type (核酸: [核算, 捅嗓子]); the matcher folds each to the official word.

Like the taxonomy, a malformed file stops start-up: `load_knowledge_base` raises a ConfigError naming the
file, the entry (by its id) and the problem.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from config.taxonomy import load_checked

# Ids are stable keys (the daily report, the console and the learning-from-use counts refer to them).
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Strict):
    id: str
    questions: list[NonEmpty] = Field(min_length=1)
    answer: NonEmpty
    source: NonEmpty | None = None
    updated: date | None = None

    @field_validator("id")
    @classmethod
    def _stable_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"'{value}' is not an id: lower-case letters, digits and -, at most 64")
        return value

    @field_validator("questions")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for question in value:
            if question in seen:
                raise ValueError(f"the question '{question}' is listed twice")
            seen.add(question)
        return value


class KnowledgeBase(_Strict):
    entries: list[Entry] = Field(min_length=1)
    # official word -> the other ways citizens write it
    synonyms: dict[NonEmpty, list[NonEmpty]] = Field(default_factory=dict)
    # messages this base must not answer though they look like its questions (a personal request for help,
    # a question about one place or one case): a message closer to one of these than to any entry is left
    # to the intake
    declines: list[NonEmpty] = Field(default_factory=list)
    # words by which a message asks for help with the citizen's own situation (帮我, 快来人): such a message
    # goes to the intake; an answer that fits may only be shown beside it
    personal_help: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> KnowledgeBase:
        ids = [entry.id for entry in self.entries]
        for entry_id in ids:
            if ids.count(entry_id) > 1:
                raise ValueError(f"entries: the id '{entry_id}' is used twice")
        owner: dict[str, str] = {}
        for official, variants in self.synonyms.items():
            for variant in variants:
                if variant == official:
                    raise ValueError(f"synonyms.{official}: '{variant}' is the word itself")
                if variant in owner and owner[variant] != official:
                    raise ValueError(f"synonyms.{official}: '{variant}' is also a synonym of '{owner[variant]}'")
                owner[variant] = official
        return self

    def entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def load_knowledge_base(path: Path | str) -> KnowledgeBase:
    """Load and check a knowledge base, or raise ConfigError naming the file, the entry and the problem."""
    return load_checked(path, KnowledgeBase, "YIBANG_KNOWLEDGE_BASE", "entries, synonyms")


def dump_knowledge_base(base: KnowledgeBase, header: str = "") -> str:
    """The base as YAML again (the console's export): the same keys, Chinese left readable."""
    data: dict[str, object] = {"entries": [entry.model_dump(exclude_none=True) for entry in base.entries]}
    if base.synonyms:
        data["synonyms"] = {k: list(v) for k, v in base.synonyms.items()}
    if base.declines:
        data["declines"] = list(base.declines)
    if base.personal_help:
        data["personal_help"] = list(base.personal_help)
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return (header + body) if header else body
