"""jieba segmentation with the taxonomy's words, and the one rule for where a word counts as found.

A private `jieba.Tokenizer` is built per classifier (not jieba's global one), so that nothing else in
the process can change its dictionary; the domain words are added once here and the tokenizer is
only read afterwards (`add_word` takes no lock). `enable_paddle` is never called.

Where a word counts as found: jieba's segmentation depends on context, so a keyword added to the
dictionary is not always cut as one token (公交 inside 公交车, 买药 cut as 买|药). Matching only whole
tokens would miss those; matching raw substrings would find 生了 inside 发生了 and 要生 inside 需要生活.
So an occurrence counts when it is made of whole tokens (买|药 for 买药) or, for words of two or more
characters, when it lies inside one token (公交 in 公交车) — but never when it straddles a token
boundary with one end inside a token (发生|了 does not contain 生了). One-character words (药, 病, 码)
must be whole tokens, because inside other words they usually mean something else (芍药, 病毒, 密码).
Numbers and Latin words (120, 12345, N95) must not touch another digit or letter: 120 in 1200 is another
number, even where jieba, knowing 120, cuts 1200 as 120|0.

Cutting is lazy, block by block. jieba itself splits a text into blocks of Han characters, letters and
digits and cuts each block on its own (everything between blocks is one character per token), so
cutting only the blocks where a domain word occurs gives exactly the tokens a cut of the whole text
would give there. Most words of a long message are never asked about: a 400-character complaint that
names no urgency or district word is not cut at all, which is most of the classifier's speed on long
messages (a whole cut costs about 2 ms there).
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jieba

from classifier.traditional import to_simplified

log = logging.getLogger(__name__)

# Characters that end a clause: a negation or a "past illness" word only reaches this far.
# 、 is left out on purpose: 没有发烧、咳嗽 negates both.
CLAUSE_ENDS = frozenset("，。！？；：,.!?;:\n…~～")
# jieba's own block pattern: it cuts each match on its own and every other character alone ("\r\n" and
# whitespace included), so token boundaries outside a block are known without cutting.
_BLOCK = jieba.re_han_default


def quiet_jieba() -> None:
    """Send jieba's start-up chatter to the logging module instead of its own stderr handler.

    jieba attaches a StreamHandler to its logger at import; removing it lets the records (all at debug
    level) propagate to whatever logging the application configured, so they stay out of the console
    and of machine-readable output unless debug logging is on.
    """
    jieba.default_logger.removeHandler(jieba.log_console)
    jieba.setLogLevel(logging.NOTSET)


class Segmenter:
    """A private, initialised jieba tokenizer that knows the domain words (about 1.3 s: build it once),
    and an index of those words by first character.

    The index is for speed: a message of 40 characters contains only a few dozen of the ~1,000 domain
    words, and one look-up per distinct character finds them, instead of one search per word.
    """

    def __init__(self, words: Iterable[str]) -> None:
        quiet_jieba()
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._words = frozenset(w for w in words if w)
        self._by_first: dict[str, list[str]] = {}
        self._first_chars: frozenset[str] = frozenset()
        for word in sorted(self._words):
            self._by_first.setdefault(word[0], []).append(word)
            # jieba cuts on spaces and most punctuation, so such entries could never be one token.
            if len(word) > 1 and not any(ch.isspace() for ch in word):
                self._tokenizer.add_word(word)
        self._first_chars = frozenset(self._by_first)
        log.debug("jieba tokenizer ready with %d domain words", len(self._words))

    def segment(self, original: str) -> Segmented:
        text = to_simplified(original)
        present = {w for ch in self._first_chars.intersection(text) for w in self._by_first[ch] if w in text}
        return Segmented(
            original=original,
            text=text,
            _cut=self._cut_block,
            _known=self._words,
            present=frozenset(present),
        )

    def cut(self, text: str) -> list[str]:
        """Every token of the text folded to simplified characters (for learning a lexicon)."""
        return list(self._tokenizer.cut(to_simplified(text), HMM=False))

    def _cut_block(self, block: str) -> list[str]:
        # HMM off: new-word guessing makes cuts less predictable and is not needed to find known words.
        return list(self._tokenizer.cut(block, HMM=False))


@dataclass
class Segmented:
    """One message: the folded text, its tokens (cut on demand), and cached word look-ups."""

    original: str
    text: str
    # cuts one block of Han characters, letters and digits into tokens
    _cut: Callable[[str], list[str]] = field(repr=False)
    # the domain words, and those that occur in the text at all (aligned or not): looking up a known
    # word that is not present costs nothing
    _known: frozenset[str] = field(default_factory=frozenset, repr=False)
    present: frozenset[str] = field(default_factory=frozenset, repr=False)
    _found: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _blocks: list[tuple[int, int]] | None = field(default=None, repr=False)
    # block start -> the start offsets of its tokens, once cut
    _cuts: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def token_at(self, pos: int) -> tuple[int, int]:
        """Start and end of the token that holds character `pos` (what a whole jieba cut would give)."""
        if self._blocks is None:
            self._blocks = [m.span() for m in _BLOCK.finditer(self.text)]
        index = bisect_right(self._blocks, (pos, len(self.text) + 1)) - 1
        if index >= 0 and self._blocks[index][0] <= pos < self._blocks[index][1]:
            block_start, block_end = self._blocks[index]
            starts = self._cuts.get(block_start)
            if starts is None:
                starts = [block_start]
                for token in self._cut(self.text[block_start:block_end]):
                    starts.append(starts[-1] + len(token))
                self._cuts[block_start] = starts
            token = bisect_right(starts, pos) - 1
            return starts[token], starts[token + 1]
        if self.text.startswith("\r\n", pos):
            return pos, pos + 2
        if pos > 0 and self.text.startswith("\r\n", pos - 1):
            return pos - 1, pos + 1
        return pos, pos + 1

    def _aligned(self, start: int, end: int) -> bool:
        if self.text[start:end].isascii():
            around = self.text[start - 1 : start] + self.text[end : end + 1]
            return not any(ch.isascii() and ch.isalnum() for ch in around)
        first_start = self.token_at(start)[0]
        last_start, last_end = self.token_at(end - 1)
        whole_tokens = first_start == start and last_end == end
        inside_one = first_start == last_start and end - start > 1
        return whole_tokens or inside_one

    def occurring(self, words: frozenset[str]) -> frozenset[str]:
        """Those of `words` that can be found at all: present domain words, and words not in the domain
        (looked up the slow way). Set operations, so a rule with twenty words costs one step."""
        return (words & self.present) | (words - self._known)

    def find(self, word: str) -> list[int]:
        """Start offsets where `word` counts as found (see the module docstring)."""
        if word in self._known and word not in self.present:
            return []
        cached = self._found.get(word)
        if cached is not None:
            return cached
        hits: list[int] = []
        if word:
            pos = self.text.find(word)
            while pos != -1:
                if self._aligned(pos, pos + len(word)):
                    hits.append(pos)
                pos = self.text.find(word, pos + 1)
        self._found[word] = hits
        return hits

    def clause_bounds(self, pos: int) -> tuple[int, int]:
        """The clause (between punctuation) that holds character `pos`."""
        start = pos
        while start > 0 and self.text[start - 1] not in CLAUSE_ENDS:
            start -= 1
        end = pos
        while end < len(self.text) and self.text[end] not in CLAUSE_ENDS:
            end += 1
        return start, end

    def preceded_by(self, pos: int, words: frozenset[str], window: int) -> bool:
        """True when one of `words` is among the `window` tokens before `pos`, in the same clause."""
        clause_start, _ = self.clause_bounds(pos)
        start, _ = self.token_at(pos)
        for _ in range(window):
            if start <= clause_start:
                break
            start, end = self.token_at(start - 1)
            if start < clause_start:
                break
            if self.text[start:end] in words:
                return True
        return False
