"""Measure a classifier on labelled messages (`yibang classify --eval CSV`, benchmarks, tests).

Two row shapes are accepted: the taxonomy's development set (`text, category, urgency, district`) and
the public gov-messages set (`subject, detail, label`: text is subject + " " + detail, no urgency and no
district). Metrics that a set cannot give (urgency, district) are None rather than a misleading 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from classifier.classifier import Classifier
from classifier.labelled import category_of, read_labelled_csv, text_of

__all__ = ["category_metrics", "evaluate", "read_labelled_csv"]


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def category_metrics(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-category figures of predicted categories against gold ones.

    Per-category figures cover every label seen in the gold or the predictions (as scikit-learn does).
    Macro-F1 averages over the labels the set is labelled with (scikit-learn's `labels=` the gold
    labels): an answer outside them — the fallback 其他 on a set without 其他 — is a wrong answer that
    costs its message's category recall, not an extra category of its own with an F1 of zero.
    """
    n = len(gold)
    support = Counter(gold)
    counted = Counter(predicted)
    correct = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    per_category: dict[str, dict[str, float | int]] = {}
    for name in sorted(set(support) | set(counted)):
        precision = correct[name] / counted[name] if counted[name] else 0.0
        recall = correct[name] / support[name] if support[name] else 0.0
        per_category[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(_f1(precision, recall), 4),
            "support": support[name],
        }
    f1s = [
        _f1(correct[name] / counted[name] if counted[name] else 0.0, correct[name] / support[name])
        for name in support
    ]
    return {
        "n": n,
        "category_accuracy": _ratio(sum(correct.values()), n),
        "category_macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "per_category": per_category,
    }


def evaluate(classifier: Classifier, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Category figures (see `category_metrics`), precision and recall of 紧急, accuracy of the district.

    Urgent precision and recall count a message as flagged when it is urgent or possibly urgent (待确认紧急:
    staff get it at once and its contact deadline runs as for urgent); `urgent_level_precision` and
    `urgent_level_recall` count the level 紧急 alone, and `possibly_urgent` how many were left to staff to
    confirm.
    District accuracy counts only rows whose district label is filled in; `needs_review` counts the
    messages the classifier left to a person (the fallback category).
    """
    gold_cats: list[str] = []
    pred_cats: list[str] = []
    urgent_tp = urgent_fp = urgent_fn = 0
    rules_tp = rules_fp = possible = 0
    urgent_rows = 0
    district_hits = district_rows = 0
    needs_review = 0
    for row in rows:
        result = classifier.classify(text_of(row))
        gold_cats.append(category_of(row))
        pred_cats.append(result.category.name)
        needs_review += result.category.needs_review
        gold_urgency = row.get("urgency")
        if gold_urgency:
            urgent_rows += 1
            gold_urgent = gold_urgency == classifier.urgent_level
            flagged = result.urgency.flagged
            urgent_tp += gold_urgent and flagged
            urgent_fp += flagged and not gold_urgent
            urgent_fn += gold_urgent and not flagged
            rules_tp += gold_urgent and result.urgency.urgent
            rules_fp += result.urgency.urgent and not gold_urgent
            possible += result.urgency.possible
        gold_district = row.get("district")
        if gold_district:
            district_rows += 1
            district_hits += result.district.name == gold_district
    return {
        **category_metrics(gold_cats, pred_cats),
        "needs_review": needs_review,
        "urgent_precision": _ratio(urgent_tp, urgent_tp + urgent_fp) if urgent_rows else None,
        "urgent_recall": _ratio(urgent_tp, urgent_tp + urgent_fn) if urgent_rows else None,
        "urgent_support": urgent_tp + urgent_fn if urgent_rows else None,
        "urgent_level_precision": _ratio(rules_tp, rules_tp + rules_fp) if urgent_rows else None,
        "urgent_level_recall": _ratio(rules_tp, urgent_tp + urgent_fn) if urgent_rows else None,
        "possibly_urgent": possible if urgent_rows else None,
        "district_accuracy": _ratio(district_hits, district_rows),
        "district_support": district_rows,
    }
