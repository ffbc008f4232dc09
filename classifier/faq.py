"""Which knowledge-base entry answers a citizen's question, if any: short-text retrieval with a threshold.

Citizens ask the same thing in other words, other order, colloquial or traditional characters and with
typos, in 5 to 30 characters. One signal is not enough for that, so two are fused:

- words: jieba tokens (function words dropped), weighted by TF-IDF over every listed question. Words
  carry meaning (隔离 and 核酸 tell entries apart) but a typo (核算) or an unknown word breaks them.
- character bigrams, also TF-IDF: robust to typos, word order and segmentation, weaker on meaning.

Before either, the text is folded: full-width to half-width, traditional to simplified (OpenCC's t2s,
every character rather than a short table), and each colloquial variant the base lists under `synonyms`
to its official word (核算 -> 核酸, 回郑 -> 返郑, 咋办 -> 怎么办).

An entry's score is its best listed question's similarity (cosine, word and character signals mixed)
plus a little of its answer's character similarity (paraphrases often borrow the answer's words).
The best entry answers only when (a) its score passes a threshold, (b) it leads the runner-up by a margin,
(c) the entry speaks of enough of the query's content: the idf-weighted share of the query's content words
found in the entry's questions and answer (a second-stage check of the key concept: 核酸检测多少钱 shares
核酸 and the question frame with 核酸多久出结果, but the asked-about concept, 多少钱, is nowhere in that
entry), and (d) no declined example (`declines`: messages the base must leave alone) is as close.

A message that asks for personal help (the base's `personal_help` words, 帮我, 快来人) or holds a long
number (a ticket, a phone: one person's case) is never answered; the entry that fitted is kept as `beside`.

The thresholds were tuned by cross-validation on corpus/faq/dev.csv and measured on the locked test set
(README, Instant answers). Pure and deterministic: no database, no network.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from threading import Lock

import jieba
from opencc import OpenCC

from classifier.segmenter import quiet_jieba
from config.knowledge import Entry, KnowledgeBase, load_knowledge_base

# Words that say how a thing is asked, not what is asked about; a key-word match never rests on them.
FUNCTION_WORDS = frozenset(
    "的 了 吗 呢 啊 吧 呀 么 嘛 哦 哈 啦 是 在 有 和 与 及 或 就 都 也 还 又 要 会 能 可以 可 让 把 被 给 对 从 到 向"
    " 我 我们 你 你们 他 她 它 他们 俺 俺们 咱 咱们 自己 这 那 这个 那个 哪 哪个 哪里 哪儿 什么 啥 怎么 怎么办 怎样 如何"
    " 为什么 为啥 多久 几 一下 一个 个 请问 请 问 想 想问 知道 现在 已经 不 没 没有 得 地 着 过"
    " 需要 需 用 去 来 做 办 说 看 好 下 里 中 时候 时 能不能 可不可以 是不是 有没有 要不要 应该"
    " 咋 咋办 咋弄 咋整 中不中 行不行 不行 行 成 嘞 哩 恁 能否 是否 吗 嘛 呗 哇 么样 样 些 该 咋样 会不会 找".split()
)
# What makes a message a question (for learning from use: an unanswered question is a gap in the base).
_QUESTION = re.compile(r"[?？]|吗|么|呢|怎|咋|如何|多久|多少|哪|什么|啥|几|谁|能不能|可不可以|是否|要不要|有没有|中不中")
# A long number (a ticket, a phone, an identity card) makes a question about one person's case, which no
# published answer settles: 工单号20231105001234处理得怎么样了.
_ONE_CASE = re.compile(r"\d{7,}")
_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]+")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@dataclass(frozen=True)
class MatchParams:
    """The matcher's knobs (tuned by cross-validation on the dev set; see the module docstring)."""

    word_weight: float = 0.5
    # an entry's score: this share from its closest question, the rest from all its questions together
    nearest_weight: float = 0.6
    answer_weight: float = 0.3
    threshold: float = 0.2
    margin: float = 0.0
    # the share of the query's content (idf-weighted) that the entry's questions and answer hold
    min_coverage: float = 0.5
    # a declined example closer than this times the entry's score keeps the matcher silent
    decline_ratio: float = 1.2


@dataclass(frozen=True)
class Match:
    """The verdict: the entry that answers (None when nothing fits), its score, the closest listed
    question, and the best entry and score even when it did not pass (for learning from use)."""

    entry: Entry | None
    score: float
    question: str | None
    best: Entry | None
    runner_up_score: float
    coverage: float = 0.0
    decline_score: float = 0.0
    # the message asks for help with the citizen's own situation (the base's `personal_help` words): it is
    # never answered instead of the intake; `beside` is the entry that would have fitted otherwise
    personal: bool = False
    beside: Entry | None = None


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search(_t2s().convert(text)))


def _bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _KEEP.findall(text):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


class _Vectoriser:
    """TF-IDF (sublinear tf, smoothed idf) over a fixed collection, unit-length sparse vectors."""

    def __init__(self, documents: Iterable[list[str]]) -> None:
        docs = list(documents)
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        n = len(docs) or 1
        self.idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
        self.unseen = math.log((n + 1) / 0.5)

    def vector(self, terms: list[str]) -> dict[str, float]:
        counts = Counter(terms)
        vec = {t: (1 + math.log(c)) * self.idf.get(t, self.unseen) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(frozen=True)
class _Question:
    entry_index: int
    text: str
    words: dict[str, float]
    chars: dict[str, float]


_tokenizers: dict[frozenset[str], jieba.Tokenizer] = {}
_tokenizers_lock = Lock()


def _tokenizer_for(words: frozenset[str]) -> jieba.Tokenizer:
    """A private jieba tokenizer that knows `words` (about a second to build): shared by every matcher with
    the same words, so a base changed in the console is matched again at once. Only read once built."""
    with _tokenizers_lock:
        tokenizer = _tokenizers.get(words)
        if tokenizer is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word in words:
                tokenizer.add_word(word)
            _tokenizers[words] = tokenizer
        return tokenizer


def _centroid(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: Counter[str] = Counter()
    for vec in vectors:
        total.update(vec)
    norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
    return {term: v / norm for term, v in total.items()}


class FaqMatcher:
    """Built once per knowledge base (jieba's dictionary takes about a second); then read-only."""

    def __init__(self, base: KnowledgeBase, params: MatchParams | None = None) -> None:
        quiet_jieba()
        self.base = base
        self.params = params or MatchParams()
        variants = sorted(
            ((variant, official) for official, variants in base.synonyms.items() for variant in variants),
            key=lambda pair: -len(pair[0]),
        )
        self._official = dict(variants)
        self._variant_pattern = re.compile("|".join(re.escape(v) for v, _ in variants)) if variants else None
        self._tokenizer = _tokenizer_for(frozenset(self.fold(w) for w in base.synonyms if len(w) > 1))
        self._tokens = lru_cache(maxsize=4096)(self._cut)
        listed = [(i, q) for i, entry in enumerate(base.entries) for q in entry.questions]
        folded = [self.fold(q) for _, q in listed]
        self._words = _Vectoriser(self._tokens(q) for q in folded)
        self._chars = _Vectoriser(_bigrams(q) for q in folded)
        self._questions = [
            _Question(i, q, self._words.vector(self._tokens(f)), self._chars.vector(_bigrams(f)))
            for (i, q), f in zip(listed, folded, strict=True)
        ]
        n = len(base.entries)
        self._word_centroids = [_centroid(q.words for q in self._questions if q.entry_index == i) for i in range(n)]
        self._char_centroids = [_centroid(q.chars for q in self._questions if q.entry_index == i) for i in range(n)]
        answers = [self.fold(entry.answer) for entry in base.entries]
        self._answer_chars = [self._chars.vector(_bigrams(a)) for a in answers]
        # what each entry talks about: its questions' and answer's words and character pairs
        texts: list[list[str]] = [[answer] for answer in answers]
        for (i, _), f in zip(listed, folded, strict=True):
            texts[i].append(f)
        self._vocabulary = [frozenset(t for text in ts for t in (*self._tokens(text), *_bigrams(text))) for ts in texts]
        self._declines = [self._vectors(self.fold(text)) for text in base.declines]
        self._personal = tuple(self.fold(word).replace(" ", "") for word in base.personal_help)

    def fold(self, text: str) -> str:
        """Half-width, lower case, simplified characters, official words; punctuation kept as spaces."""
        text = _t2s().convert(unicodedata.normalize("NFKC", text).lower())
        if self._variant_pattern is not None:
            text = self._variant_pattern.sub(lambda m: self._official[m.group(0)], text)
        return " ".join(_KEEP.findall(text))

    def _cut(self, folded: str) -> list[str]:
        return [
            token
            for token in self._tokenizer.cut(folded, HMM=False)
            if token.strip() and token not in FUNCTION_WORDS
        ]

    def _vectors(self, folded: str) -> tuple[dict[str, float], dict[str, float]]:
        return self._words.vector(self._tokens(folded)), self._chars.vector(_bigrams(folded))

    def _similarity(self, query: tuple[dict[str, float], dict[str, float]], words: dict, chars: dict) -> float:
        w = self.params.word_weight
        return w * _cosine(query[0], words) + (1 - w) * _cosine(query[1], chars)

    def _coverage(self, tokens: list[str], index: int) -> float:
        """The share of the query's content (idf-weighted words) the entry speaks of. A word unknown to
        the entry still counts when one of its character pairs is there (a typo, another word form)."""
        vocabulary = self._vocabulary[index]
        total = held = 0.0
        for token in set(tokens):
            weight = self._words.idf.get(token, self._words.unseen)
            total += weight
            if token in vocabulary or (len(token) > 2 and any(g in vocabulary for g in _bigrams(token))):
                held += weight
        return held / total if total else 0.0

    def match(self, text: str) -> Match:
        folded = self.fold(text)
        if not folded:
            return Match(None, 0.0, None, None, 0.0)
        tokens = self._tokens(folded)
        query = self._vectors(folded)
        p = self.params
        nearest: dict[int, tuple[float, str]] = {}
        for question in self._questions:
            score = self._similarity(query, question.words, question.chars)
            if score > nearest.get(question.entry_index, (-1.0, ""))[0]:
                nearest[question.entry_index] = (score, question.text)
        ranked = sorted(
            (
                (
                    p.nearest_weight * score
                    + (1 - p.nearest_weight) * self._similarity(query, self._word_centroids[i], self._char_centroids[i])
                    + p.answer_weight * _cosine(query[1], self._answer_chars[i]),
                    i,
                    question,
                )
                for i, (score, question) in nearest.items()
            ),
            reverse=True,
        )
        score, index, question = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        coverage = self._coverage(tokens, index)
        decline = max((self._similarity(query, *d) for d in self._declines), default=0.0)
        passes = (
            score >= p.threshold
            and score - runner_up >= p.margin
            and coverage >= p.min_coverage
            and decline < p.decline_ratio * score
        )
        entry = self.base.entries[index]
        compact = folded.replace(" ", "")
        personal = any(word and word in compact for word in self._personal) or bool(_ONE_CASE.search(compact))
        answering = entry if passes and not personal else None
        return Match(
            answering,
            round(score, 4),
            question,
            entry,
            round(runner_up, 4),
            round(coverage, 4),
            round(decline, 4),
            personal,
            entry if passes and personal else None,
        )


MATCHERS_KEPT = 8
_cache: dict[str, FaqMatcher] = {}
_cache_lock = Lock()


def matcher_for(base: KnowledgeBase) -> FaqMatcher:
    """The process's matcher for this knowledge base (the same content shares one), built on first use."""
    key = base.model_dump_json()
    with _cache_lock:
        matcher = _cache.get(key)
        if matcher is None:
            if len(_cache) >= MATCHERS_KEPT:  # bases changed in the console: the oldest goes
                del _cache[next(iter(_cache))]
            matcher = _cache[key] = FaqMatcher(base)
        return matcher


def get_faq_matcher(path: Path | str) -> FaqMatcher:
    """The matcher for the knowledge base at `path`, loaded (and checked) now."""
    return matcher_for(load_knowledge_base(path))
