"""How well `case similar` finds one problem's other tellings, on a labelled set of groups.

The set (corpus/similar/*.csv: id, group, district, text, note) holds groups of messages about one problem
at one place, look-alikes that are not the same (the same problem in another compound, another problem in
the same compound) and one-offs with no group. Every pair of messages of one district is scored, as the
finder scores a new case against the open ones; a pair is truly similar when both carry the same group.
Precision and recall are over those pairs, at the listing threshold and at the intake offer's (which also asks
that both name the same place).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from classifier.similarity import SimilarityModel


@dataclass(frozen=True)
class Labelled:
    id: str
    group: str
    district: str
    text: str


def read_labelled(path: str | Path) -> list[Labelled]:
    with Path(path).open(encoding="utf-8", newline="") as lines:
        return [Labelled(row["id"], row["group"].strip(), row["district"].strip(), row["text"])
                for row in csv.DictReader(lines)]


def scored_pairs(model: SimilarityModel, rows: Sequence[Labelled], *, offer: bool = False
                 ) -> list[tuple[float, bool]]:
    """(score, truly similar) of every pair of messages of one district; with `offer`, a pair that does not
    name one place in both messages scores 0, as the intake offers only then."""
    features = [model.features(row.text) for row in rows]
    pairs = []
    for i, j in combinations(range(len(rows)), 2):
        if rows[i].district != rows[j].district:
            continue
        same = bool(rows[i].group) and rows[i].group == rows[j].group
        score = model.score(features[i], features[j])
        if offer and not model.same_place(features[i], features[j].terms()):
            score = 0.0
        pairs.append((score, same))
    return pairs


def precision_recall(pairs: Sequence[tuple[float, bool]], threshold: float) -> tuple[float, float]:
    found = [same for score, same in pairs if score >= threshold]
    relevant = sum(1 for _, same in pairs if same)
    correct = sum(found)
    return (correct / len(found) if found else 1.0), (correct / relevant if relevant else 1.0)


def evaluate(model: SimilarityModel, rows: Sequence[Labelled]) -> dict[str, float | int]:
    """Precision, recall and F1 at the configured thresholds, over the pairs of one district."""
    pairs = scored_pairs(model, rows)
    precision, recall = precision_recall(pairs, model.config.threshold)
    offer_precision, offer_recall = precision_recall(scored_pairs(model, rows, offer=True),
                                                     model.config.offer_threshold)
    return {
        "messages": len(rows),
        "groups": len({row.group for row in rows if row.group}),
        "similar_pairs": sum(1 for _, same in pairs if same),
        "threshold": model.config.threshold,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        "offer_threshold": model.config.offer_threshold,
        "offer_precision": round(offer_precision, 3),
        "offer_recall": round(offer_recall, 3),
    }
