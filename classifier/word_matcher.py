"""Which words of a lexicon a text holds, found by the lexicon itself: leftmost-longest, counted.

A learned lexicon (`category_scoring: linear`) holds thousands of ordinary words. Finding them does not
need jieba: reading the text from the left and taking, at each character, the longest lexicon word that
starts there cuts the text into lexicon words and gaps (forward maximum matching, the oldest Chinese
word-cutting method). The lexicon decides the cut, so 发生了 with 发生 in the lexicon never yields 生了.
It is several times faster than a jieba cut (about 0.3 ms for a 400-character message against 2 ms),
and `yibang learn` computes its features with this same matcher, so the weights were learned on exactly
what the classifier sees.

Numbers and Latin words (12345, ETC) must not touch another digit or letter, as in the segmenter.
"""

from __future__ import annotations

from collections.abc import Iterable


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class WordMatcher:
    def __init__(self, words: Iterable[str]) -> None:
        self._words = frozenset(w for w in words if w)
        lengths: dict[str, set[int]] = {}
        for word in self._words:
            lengths.setdefault(word[0], set()).add(len(word))
        # first character -> the lengths of the words starting with it, longest first
        self._lengths = {ch: tuple(sorted(found, reverse=True)) for ch, found in lengths.items()}

    def count(self, text: str) -> dict[str, int]:
        """Each lexicon word found in `text` (already folded) -> how many times."""
        counts: dict[str, int] = {}
        words, lengths_of = self._words, self._lengths.get
        end, i = len(text), 0
        while i < end:
            lengths = lengths_of(text[i])
            step = 1
            if lengths:
                for length in lengths:
                    word = text[i : i + length]
                    if word in words and (not word.isascii() or self._standalone(text, i, i + length)):
                        counts[word] = counts.get(word, 0) + 1
                        step = length
                        break
            i += step
        return counts

    @staticmethod
    def _standalone(text: str, start: int, end: int) -> bool:
        """A number or Latin word counts only when no digit or letter touches it (120 is not in 1200)."""
        before = start > 0 and _ascii_alnum(text[start - 1]) and _ascii_alnum(text[start])
        after = end < len(text) and _ascii_alnum(text[end]) and _ascii_alnum(text[end - 1])
        return not (before or after)
