"""A learned keyword lexicon as a file a person reads and edits, and merging it into a taxonomy file.

A lexicon file is the classifier part of a taxonomy file and nothing else: `category_scoring: linear`
and `categories:` with, per category, a bias and its keywords with weights (heaviest first, negative
ones last). So it reads like the taxonomy, `yibang learn --out` writes it, and merging it into a taxonomy
(`yibang learn --merge-into`, `yibang lexicon merge`) replaces the taxonomy's `categories:` block and
sets its `category_scoring`; every other line of the file, comments included, stays as it was.
Categories of the taxonomy that the lexicon does not name (the fallback 其他) keep their keywords, and
each category keeps its description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from config.errors import ConfigError
from config.taxonomy import LINEAR, Category, CategoryScoring, Taxonomy, UrgencyScore, parse_yaml

_LINE = 106  # keyword lines stay under the project's line length
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_]\w*)\s*:")
_YAML_SPECIAL = set(",:{}[]#&*!|>'\"%@`?")


@dataclass
class Lexicon:
    categories: list[Category]
    # comment lines at the top of the file: where it was learned from, how
    header: list[str] = field(default_factory=list)


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category_scoring: CategoryScoring = LINEAR
    categories: list[Category]


def _word(word: str) -> str:
    """A keyword as YAML: bare when it reads back as the same string, else double-quoted."""
    plain = word == word.strip() and not (set(word) & _YAML_SPECIAL) and parse_yaml(word) == word
    return word if plain else json.dumps(word, ensure_ascii=False)


def _number(value: float) -> str:
    return format(round(value, 3), "g")


def _keyword_lines(keywords: dict[str, float], indent: str) -> list[str]:
    if not keywords:
        return ["{}"]
    ordered = sorted(keywords.items(), key=lambda item: (-item[1], item[0]))
    lines, line = [], indent
    for word, weight in ordered:
        entry = f"{_word(word)}: {_number(weight)},"
        if len(line) + len(entry) + 1 > _LINE and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += entry + " "
    lines.append(line.rstrip().rstrip(","))
    return ["{", *lines, indent[:-2] + "}"]


def categories_block(categories: Iterable[Category]) -> str:
    """The `categories:` block, one category after another, keywords heaviest first."""
    out = ["categories:"]
    for category in categories:
        out.append(f"  - name: {_word(category.name)}")
        if category.description:
            out.append(f"    description: {_word(category.description)}")
        if category.bias:
            out.append(f"    bias: {_number(category.bias)}")
        keyword_lines = _keyword_lines(category.keywords, " " * 6)
        out.append(f"    keywords: {keyword_lines[0]}")
        out.extend(keyword_lines[1:])
    return "\n".join(out) + "\n"


def render_lexicon(lexicon: Lexicon) -> str:
    header = "".join(f"# {line}\n".replace("# \n", "#\n") for line in lexicon.header)
    return f"{header}\ncategory_scoring: {LINEAR}\n\n{categories_block(lexicon.categories)}"


def parse_lexicon(text: str, source: str) -> Lexicon:
    """A lexicon from its YAML text, or ConfigError naming `source` and what is wrong."""
    try:
        loaded = _LexiconFile.model_validate(parse_yaml(text))
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}"]) from None
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(source, problems) from None
    if loaded.category_scoring != LINEAR:
        raise ConfigError(source, [f"category_scoring: a lexicon is '{LINEAR}'"])
    return Lexicon(categories=loaded.categories)


def read_lexicon(path: Path | str) -> Lexicon:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from None
    return parse_lexicon(text, str(path))


def _blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level key -> (first line, end line) of its block; comments just before the next key belong
    to that next key (they are its section header)."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TOP_LEVEL_KEY.match(line))]
    found: dict[str, tuple[int, int]] = {}
    for (start, key), (next_start, _) in zip(starts, [*starts[1:], (len(lines), "")], strict=True):
        end = next_start
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        found[key] = (start, end)
    return found


def merged_categories(taxonomy_categories: list[dict[str, Any]], lexicon: Lexicon) -> list[Category]:
    """The taxonomy's categories with the lexicon's bias and keywords; new ones from the lexicon last."""
    learned = {c.name: c for c in lexicon.categories}
    merged = []
    for raw in taxonomy_categories:
        category = Category.model_validate(raw)
        if category.name in learned:
            source = learned.pop(category.name)
            category = category.model_copy(update={"bias": source.bias, "keywords": dict(source.keywords)})
        merged.append(category)
    return merged + list(learned.values())


def _loading(merged: str, source: str) -> str:
    """`merged` when it loads as a taxonomy, else ConfigError naming what is wrong."""
    try:
        Taxonomy.model_validate(parse_yaml(merged))
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(source, ["the merged taxonomy would not load:", *problems]) from None
    return merged


def merge_lexicon(lexicon: Lexicon, taxonomy_text: str, source: str) -> str:
    """The taxonomy file's text with the lexicon merged in; ConfigError if the result is no taxonomy."""
    raw = parse_yaml(taxonomy_text)
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list):
        raise ConfigError(source, ["no categories: list to merge into"])
    block = categories_block(merged_categories(raw["categories"], lexicon)).splitlines()
    lines = taxonomy_text.splitlines()
    blocks = _blocks(lines)
    start, end = blocks["categories"]
    lines[start:end] = block
    scoring = f"category_scoring: {LINEAR}"
    if "category_scoring" in blocks:
        s_start, s_end = _blocks(lines)["category_scoring"]
        lines[s_start:s_end] = [scoring]
    else:
        lines[start:start] = [scoring, ""]
    return _loading("\n".join(lines) + "\n", source)


def urgency_score_block(score: UrgencyScore) -> str:
    """The `urgency_score:` block of a taxonomy file, words for 紧急 first, those against it last."""
    keyword_lines = _keyword_lines(score.keywords, " " * 4)
    pair_lines = _keyword_lines(score.pairs, " " * 4)
    lines = [
        "urgency_score:",
        f"  bias: {_number(score.bias)}",
        f"  threshold: {_number(score.threshold)}",
        f"  keywords: {keyword_lines[0]}",
        *keyword_lines[1:],
        f"  pairs: {pair_lines[0]}",
        *pair_lines[1:],
    ]
    return "\n".join(lines) + "\n"


def merge_urgency_score(score: UrgencyScore, taxonomy_text: str, source: str) -> str:
    """The taxonomy file's text with its `urgency_score:` block replaced (or put before `districts:`)."""
    lines = taxonomy_text.splitlines()
    blocks = _blocks(lines)
    block = urgency_score_block(score).splitlines()
    if "urgency_score" in blocks:
        start, end = blocks["urgency_score"]
        lines[start:end] = block
    else:
        start = blocks["districts"][0] if "districts" in blocks else len(lines)
        lines[start:start] = [*block, ""]
    return _loading("\n".join(lines) + "\n", source)
