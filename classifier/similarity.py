"""Similar cases: the features of a problem text and how alike two texts are.

Citizens tell one problem in short, colloquial and differently spelled words ("阳光花园 暖气 停了",
"我们是丰庆路阳光花园的业主，整个小区暖气停了", "暖器不热！！！阳光花园 2号楼"), so a text is read as a bag of
terms of three kinds, each weighted by how rare it is (TF-IDF):

- words: jieba's tokens of two or more characters (stop words left out);
- character bigrams of every run of Han characters, which still match when jieba cuts an unknown compound
  name differently, or a word is misspelt in one character (暖器 / 暖气 share 暖);
- places: the names of compounds, streets, villages, schools, hospitals and companies found in the text
  (`PlaceFinder`), as bigrams marked `@`, weighted `place_weight` times: the same problem in another
  compound is not the same case, and the place is what two tellings of one problem share most surely.

Rarity comes from jieba's own IDF table (trained on a large general corpus): a place name jieba does not
know gets the highest weight, 小区 or 物业 a low one. The score of two texts is the cosine of their vectors;
it is computed from the terms alone, so an index can keep them (storage.similar) and only the candidates
sharing a rare term with a new case are ever scored.

Pure and read-only after construction: one instance serves every thread of a process.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba
import yaml

import config as config_package
from classifier.traditional import to_simplified

PLACE_MARK = "@"
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ALNUM_RUN = re.compile(r"[0-9a-zA-Z]+")
# What ends the name of a place people live, learn, heal or work at.
_PLACE_SUFFIXES = (
    "小区", "花园", "家园", "新城", "新村", "家属院", "家属楼", "职工院", "公寓", "大厦", "广场", "社区", "村",
    "苑", "园", "府", "湾", "城", "里", "庄", "院", "路", "街", "大道", "巷",
    "实验学校", "学校", "中学", "小学", "一中", "二中", "幼儿园", "学院", "大学",
    "医院", "一附院", "诊所", "卫生院", "门诊", "公司", "工厂", "厂", "物流园", "产业园", "市场", "超市", "商场",
)
# Words that end a place name on their left: a name does not start with them (我们是丰庆路… -> 丰庆路).
_PLACE_BREAKS = (
    "我们", "我家", "我在", "我是", "我爸", "我妈", "咱们", "俺们", "请问", "反映", "那个", "这个", "那边", "这边",
    "的", "是", "在", "住", "了", "和", "与", "到", "去", "从", "我", "你", "他", "她", "俺", "咱", "个", "那", "这",
    "区", "市", "县", "镇", "给", "呼吁", "次", "堆", "群", "多",
)
# Suffixes too short to name a place alone: a one-character suffix needs at least two characters before it.
_MIN_NAME = 2
_MAX_NAME = 6
# A place that is only a word people use for their own home (我们村, 小区) names nothing.
_NOT_PLACES = frozenset({
    "小区", "社区", "村", "院", "家属院", "花园", "医院", "学校", "公司", "市场", "超市", "门诊", "大学", "城里",
    "村里", "院里", "小区里", "城中村", "一个小区", "别的小区", "整个小区", "县城", "热力公司", "物业公司",
})
# …里 names a place (商都里) only when short; longer, it is "in the …" (物业群里, 大厅里, 学校里).
_INSIDE = "里"
_STOP_WORDS = frozenset({
    "我们", "你们", "他们", "我家", "现在", "已经", "什么", "怎么", "这个", "那个", "还是", "就是", "一个", "没有",
    "可以", "能不能", "不能", "请问", "谁", "吗", "呢", "啊", "了", "的", "都", "也", "还", "就", "在", "是",
    "到底", "一直", "这样", "那边", "这边", "一下", "帮忙", "求助", "麻烦", "希望", "请", "反映", "问题",
})
CONCEPT_MARK = "#"
BIGRAM_MARK = "~"
# jieba's IDF of words it has never seen (names of places, typos) and of bigrams that are no word: rare.
_UNSEEN_WORD_IDF = 12.0
# Words rarer than this in jieba's table are read as unseen: it keeps a fifth of the table's 270,000 entries
# in memory (about 10 MB less per process) and changes no figure on the labelled sets.
_KEPT_IDF = 11.0
_BIGRAM_IDF_CAP = 9.0


@dataclass(frozen=True)
class SimilarityConfig:
    """The knobs, chosen on corpus/similar/dev.csv (benchmarks/similar.py prints the figures)."""

    # `case similar` lists, and a new case joins the group of, cases scoring at least this
    threshold: float = 0.25
    # the intake offers to follow an open case only at this score or more (high confidence)
    offer_threshold: float = 0.45
    bigram_weight: float = 0.3
    # a concept (heating, water cut …) weighs as much as this many rare words
    concept_weight: float = 2.0
    # the problem's score is multiplied by this when the two texts name different places …
    other_place: float = 0.1
    # … by this when one of them names none (我们小区停水了: the district alone says where) …
    no_place: float = 0.6
    # … and by this when neither does: two households may tell the same words about two compounds, so such
    # a pair never reaches the threshold on its words alone
    neither_place: float = 0.2
    # places whose cosine reaches this are the same place (阳光花园 / 丰庆路阳光花园小区)
    same_place: float = 0.4
    # a term rarer than this (IDF) is a key: an index looks a new case's candidates up by its keys only
    key_idf: float = 7.0


@dataclass(frozen=True)
class Features:
    """A text as weighted terms of its problem and of its places (each TF-IDF, L2-normalised)."""

    problem: Mapping[str, float]
    place: Mapping[str, float]
    places: tuple[str, ...]

    def terms(self) -> dict[str, float]:
        """Both vectors in one mapping (place terms marked), as an index keeps them: four decimals are
        plenty for a score and make the stored JSON (read for every candidate) shorter."""
        return {term: round(weight, 4) for term, weight in
                (*self.problem.items(), *((PLACE_MARK + term, weight) for term, weight in self.place.items()))}

    @classmethod
    def from_terms(cls, terms: Mapping[str, float]) -> Features:
        problem = {term: weight for term, weight in terms.items() if not term.startswith(PLACE_MARK)}
        place = {term[1:]: weight for term, weight in terms.items() if term.startswith(PLACE_MARK)}
        return cls(problem, place, ())


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Both are L2-normalised: the dot product of the terms they share."""
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b[term] for term, weight in a.items() if term in b)


class PlaceFinder:
    """Names of places in a text: the known places of the taxonomy, and spans ending in a place word
    (…小区, …家属院, …村, …医院, …公司) cut on their left where a name cannot go on (我们, 的, 在 …)."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known = tuple(sorted({to_simplified(p) for p in known if p}, key=len, reverse=True))
        suffixes = "|".join(sorted(_PLACE_SUFFIXES, key=len, reverse=True))
        self._span = re.compile(f"[\u4e00-\u9fff0-9]{{1,{_MAX_NAME}}}?(?:{suffixes})")
        breaks = "|".join(sorted(_PLACE_BREAKS, key=len, reverse=True))
        self._break = re.compile(f"(?:{breaks})")

    def find(self, text: str) -> tuple[str, ...]:
        text = to_simplified(text)
        found: list[str] = [place for place in self._known if place in text]
        for run in _HAN_RUN.finditer(text):
            for piece in self._break.split(run.group(0)):
                for match in self._span.finditer(piece):
                    name = match.group(0)
                    if name.endswith(_INSIDE) and len(name) > 3:
                        continue
                    if len(name) >= _MIN_NAME + 1 or (len(name) >= _MIN_NAME and name[-1] not in "苑园府湾城里庄院路街村厂"):
                        if name not in _NOT_PLACES and name not in found:
                            found.append(name)
        return tuple(found)


class SimilarityModel:
    """Features of problem texts and their similarity (see the module's docstring)."""

    def __init__(self, cut: Callable[[str], list[str]], known_places: Iterable[str] = (),
                 config: SimilarityConfig | None = None, concepts: Mapping[str, Iterable[str]] | None = None) -> None:
        """`cut` is a jieba cut (the classifier's: one tokenizer per process is enough)."""
        self._cut = cut
        self.config = config or SimilarityConfig()
        self._concepts = {name: tuple(to_simplified(w) for w in words)
                          for name, words in (default_concepts() if concepts is None else concepts).items()}
        self._places = PlaceFinder(known_places)
        self._idf = _idf_table()

    def places(self, text: str) -> tuple[str, ...]:
        return self._places.find(text)

    def features(self, text: str) -> Features:
        text = to_simplified(text).lower()
        places = self._places.find(text)
        rest = text
        for place in places:
            rest = rest.replace(place, "，")
        problem: Counter[str] = Counter()
        weights: dict[str, float] = {}
        for token in self._cut(rest):
            if len(token) >= 2 and token not in _STOP_WORDS and (_HAN_RUN.fullmatch(token) or _ALNUM_RUN.fullmatch(token)):
                problem[token] += 1
                weights[token] = self.idf(token)
        for run in _HAN_RUN.findall(rest):
            for bigram in _bigrams(run):
                term = BIGRAM_MARK + bigram
                problem[term] += 1
                weights[term] = min(self.idf(bigram), _BIGRAM_IDF_CAP) * self.config.bigram_weight
        for concept, words in self._concepts.items():
            if any(word in rest for word in words):
                term = CONCEPT_MARK + concept
                problem[term] += 1
                weights[term] = _UNSEEN_WORD_IDF * self.config.concept_weight
        place: Counter[str] = Counter()
        for name in places:
            for bigram in _bigrams(name) or [name]:
                place[bigram] += 1
                weights[PLACE_MARK + bigram] = max(self.idf(bigram), _BIGRAM_IDF_CAP)
        return Features(
            _normalised({term: (1 + math.log(count)) * weights[term] for term, count in problem.items()}),
            _normalised({term: (1 + math.log(count)) * weights[PLACE_MARK + term] for term, count in place.items()}),
            places,
        )

    def score(self, a: Features, b: Features) -> float:
        """How alike two cases are, 0 to 1: their problems' cosine, lowered when their places differ."""
        place = cosine(a.place, b.place) if a.place and b.place else None
        return self._agreeing(cosine(a.problem, b.problem), place, named=bool(a.place or b.place))

    def score_terms(self, a: Features, terms: Mapping[str, float]) -> float:
        """`score` against a case as the index keeps it (`Features.terms`), without splitting its terms: the
        hot loop of finding similar cases, run for every candidate."""
        problem = sum(weight * terms.get(term, 0.0) for term, weight in a.problem.items())
        theirs = any(term.startswith(PLACE_MARK) for term in terms)
        place = None
        if a.place and theirs:
            place = sum(weight * terms.get(PLACE_MARK + term, 0.0) for term, weight in a.place.items())
        return self._agreeing(problem, place, named=bool(a.place) or theirs)

    def same_place(self, a: Features, terms: Mapping[str, float]) -> bool:
        """Both name a place, and the same one (the intake offers to follow only such a case)."""
        place = sum(weight * terms.get(PLACE_MARK + term, 0.0) for term, weight in a.place.items())
        return bool(a.place) and place >= self.config.same_place

    def _agreeing(self, problem: float, place: float | None, *, named: bool) -> float:
        """The problems' cosine, kept when the places agree (`place`: their cosine, None unless both name one),
        lowered when only one names a place (`named`), more when neither does, most when they differ."""
        if place is None:
            return problem * (self.config.no_place if named else self.config.neither_place)
        if place >= self.config.same_place:
            return problem
        return problem * self.config.other_place

    def idf(self, word: str) -> float:
        return self._idf.get(word, _UNSEEN_WORD_IDF)

    def is_key(self, term: str) -> bool:
        """A term to look candidates up by: a place's bigram, a named problem, or a rare word (bigrams of the
        rest of the text only count in the score: nearly every one is rare to jieba)."""
        if term.startswith((PLACE_MARK, CONCEPT_MARK)):
            return True
        return not term.startswith(BIGRAM_MARK) and self.idf(term) >= self.config.key_idf

    def similarity(self, a: str, b: str) -> float:
        return self.score(self.features(a), self.features(b))


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {term: value / norm for term, value in vector.items()}


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


@cache
def default_concepts() -> dict[str, tuple[str, ...]]:
    """config/similar/concepts.yaml: the words that name one problem."""
    path = Path(config_package.__file__).parent / "similar" / "concepts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(name): tuple(str(word) for word in words) for name, words in (data.get("concepts") or {}).items()}


@cache
def _idf_table() -> dict[str, float]:
    """jieba's IDF table (jieba/analyse/idf.txt), read once per process."""
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.rstrip("\n").partition(" ")
            if value and float(value) < _KEPT_IDF:
                table[word] = float(value)
    return table
