"""Learn a keyword lexicon from labelled messages (`yibang learn`).

1. Candidate words: the jieba tokens of the messages (the project's segmenter, so the taxonomy's own
   words stay whole) of one to eight characters with at least one Han character, seen in at least
   `min_count` messages. One-character words are kept (房, 车, 路 carry a one-line message): the lexicon
   cuts the text longest word first, so 房 counts only where no longer listed word such as 房屋 starts.
2. Features: each message is cut by the candidate lexicon itself (classifier/word_matcher.py) and each
   word found counts as in classification (classifier/linear_scorer.py: 1 + ln count, over the square
   root of the number of words found), times its inverse document frequency. The idf makes a rare word's
   feature larger, so the same penalty lets it reach a useful weight with less evidence than a common
   word needs — the reason TF-IDF features classify better than counts — and it is folded into the
   written weights, so the lexicon needs no idf table.
3. Weights: multinomial logistic regression with an elastic-net penalty (classifier/softmax_regression.py).
   The L1 part sets most words' weights to zero; words with no weight left in any category leave the
   lexicon, the messages are cut again with the smaller lexicon and the model is fitted again from where
   it was, until every word kept carries weight (two or three rounds). The lexicon that is written is
   therefore exactly the one the weights were learned with.

Why a linear model rather than log-odds or chi-square scores: those rank words one at a time and count
a message's ten words about one thing ten times; a model fitted on whole messages shares the weight
among words that come together, gives words against a category negative weights, and its scores are
calibrated probabilities. The penalties (`l1`, `l2`) were chosen by cross-validation on the training
messages alone (README, "Classifier").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from classifier import softmax_regression
from classifier.lexicon import Lexicon
from classifier.linear_scorer import word_strengths
from classifier.traditional import to_simplified
from classifier.word_matcher import WordMatcher
from config.taxonomy import Category

_HAN = re.compile(r"[\u4e00-\u9fff]")
# weights below half of the last written digit are zero in the file
_DECIMALS = 3

# (stage, done, total): what a long run is doing, for a progress bar
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LearningOptions:
    l1: float = 1e-5
    l2: float = 1e-4
    min_count: int = 2
    min_length: int = 1
    max_length: int = 8
    rounds: int = 6
    max_iterations: int = 400


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def candidate_words(token_lists: Sequence[Sequence[str]], options: LearningOptions) -> list[str]:
    """Tokens of a useful length with a Han character, in at least `min_count` messages."""
    seen = Counter(word for tokens in token_lists for word in set(tokens))
    return sorted(
        word
        for word, count in seen.items()
        if count >= options.min_count
        and options.min_length <= len(word) <= options.max_length
        and _HAN.search(word)
        and not any(ch.isspace() for ch in word)
    )


def _feature_rows(
    texts: Sequence[str], vocabulary: list[str]
) -> tuple[softmax_regression.SparseRows, np.ndarray]:
    """Messages as rows of idf-scaled word strengths over `vocabulary`, and the idf of each word."""
    matcher = WordMatcher(vocabulary)
    index = {word: i for i, word in enumerate(vocabulary)}
    strengths = [word_strengths(matcher.count(text)) for text in texts]
    document_frequency = Counter(word for found in strengths for word in found)
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + document_frequency[w])) + 1 for w in vocabulary])
    rows = [{index[w]: s * idf[index[w]] for w, s in found.items()} for found in strengths]
    return softmax_regression.SparseRows(rows, len(vocabulary)), idf


def learn_lexicon(
    texts: Sequence[str],
    labels: Sequence[str],
    cut: Callable[[str], list[str]],
    *,
    categories: Sequence[str] | None = None,
    options: LearningOptions = LearningOptions(),
    progress: Progress = _quiet,
) -> Lexicon:
    """The lexicon that best separates the labelled messages' categories (see the module docstring).

    `cut` gives a text's jieba tokens (`Classifier.cut`: the segmenter of the taxonomy in use).
    `categories` fixes the order of the categories in the lexicon (the taxonomy's); by default the
    labels' order of first appearance.
    """
    if len(texts) != len(labels):
        raise ValueError("one label per message")
    names = list(categories or dict.fromkeys(labels))
    if len(set(labels)) < 2:
        raise ValueError("learning needs messages of at least two categories")
    unknown = sorted(set(labels) - set(names))
    if unknown:
        raise ValueError(f"labels that are not categories: {', '.join(unknown)}")
    folded = [to_simplified(text) for text in texts]
    token_lists = []
    for done, text in enumerate(folded, 1):
        token_lists.append(cut(text))
        if done % 100 == 0 or done == len(folded):
            progress("cutting messages", done, len(folded))
    vocabulary = candidate_words(token_lists, options)
    # only the categories that have messages are learned; the others keep what the taxonomy says
    learned = [name for name in names if name in set(labels)]
    y = [learned.index(label) for label in labels]
    model: softmax_regression.Model | None = None
    for round_number in range(1, options.rounds + 1):
        rows, idf = _feature_rows(folded, vocabulary)
        stage = f"round {round_number}: {len(vocabulary)} words"
        model = softmax_regression.fit(
            rows,
            y,
            len(learned),
            l1=options.l1,
            l2=options.l2,
            max_iterations=options.max_iterations,
            start=model,
            on_iteration=lambda i, stage=stage: progress(stage, i, options.max_iterations),
        )
        progress(stage, options.max_iterations, options.max_iterations)
        keep = np.abs(model.weights).max(axis=1) >= 0.5 * 10**-_DECIMALS / idf
        if keep.all() or round_number == options.rounds:
            break
        vocabulary = [word for word, kept in zip(vocabulary, keep, strict=True) if kept]
        model = softmax_regression.Model(model.weights[keep], model.bias)
    assert model is not None
    written = np.round(model.weights * idf[:, None], _DECIMALS)
    # the softmax does not change when the same number is added to every bias: centre them on zero
    bias = np.round(model.bias - model.bias.mean(), _DECIMALS)
    lexicon = [
        Category(
            name=name,
            bias=float(bias[k]),
            keywords={word: float(written[i, k]) for i, word in enumerate(vocabulary) if written[i, k] != 0},
        )
        for k, name in enumerate(learned)
    ]
    words = len({word for category in lexicon for word in category.keywords})
    penalty = f"l1={options.l1:g} l2={options.l2:g}"
    method = f"Multinomial logistic regression, elastic net {penalty}: {words} words."
    return Lexicon(
        categories=lexicon,
        header=[
            f"Keyword lexicon learned by `yibang learn` from {len(texts)} labelled examples.",
            method,
            "Edit freely: a weight says how much a word counts for (+) or against (-) a category.",
        ],
    )

