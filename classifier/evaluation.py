"""Measure a classifier on labelled messages (`yibang classify --eval CSV`, benchmarks, tests).

Two row shapes are accepted: the taxonomy's development set (`text, category, urgency, district`) and
the public gov-messages set (`subject, detail, label`: text is subject + " " + detail, no urgency and no
district). Metrics that a set cannot give (urgency, district) are None rather than a misleading 0.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from classifier.classifier import Classifier


def read_labelled_csv(path: Path | str) -> list[dict[str, str]]:
    """Rows of a labelled CSV as dicts; a UTF-8 byte-order mark (Excel's habit) is dropped."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        return [
            {(key or "").strip(): (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _text_of(row: Mapping[str, Any]) -> str:
    if row.get("text"):
        return str(row["text"])
    return f"{row.get('subject') or ''} {row.get('detail') or ''}".strip()


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(classifier: Classifier, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Accuracy and macro-F1 of the category, precision and recall of 紧急, accuracy of the district.

    Per-category figures cover every label seen in the gold or the predictions (as scikit-learn does);
    district accuracy counts only rows whose district label is filled in.
    """
    gold_cats: list[str] = []
    pred_cats: list[str] = []
    urgent_tp = urgent_fp = urgent_fn = 0
    urgent_rows = 0
    district_hits = district_rows = 0
    for row in rows:
        result = classifier.classify(_text_of(row))
        gold_cats.append(str(row.get("category") or row.get("label") or ""))
        pred_cats.append(result.category.name)
        gold_urgency = row.get("urgency")
        if gold_urgency:
            urgent_rows += 1
            gold_urgent = gold_urgency == classifier.urgent_level
            urgent_tp += gold_urgent and result.urgency.urgent
            urgent_fp += result.urgency.urgent and not gold_urgent
            urgent_fn += gold_urgent and not result.urgency.urgent
        gold_district = row.get("district")
        if gold_district:
            district_rows += 1
            district_hits += result.district.name == gold_district
    n = len(gold_cats)
    support = Counter(gold_cats)
    predicted = Counter(pred_cats)
    correct = Counter(g for g, p in zip(gold_cats, pred_cats, strict=True) if g == p)
    per_category: dict[str, dict[str, float | int]] = {}
    f1_sum = 0.0
    for name in sorted(set(support) | set(predicted)):
        precision = correct[name] / predicted[name] if predicted[name] else 0.0
        recall = correct[name] / support[name] if support[name] else 0.0
        f1 = _f1(precision, recall)
        f1_sum += f1
        per_category[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support[name],
        }
    return {
        "n": n,
        "category_accuracy": _ratio(sum(correct.values()), n),
        "category_macro_f1": round(f1_sum / len(per_category), 4) if per_category else None,
        "per_category": per_category,
        "urgent_precision": _ratio(urgent_tp, urgent_tp + urgent_fp) if urgent_rows else None,
        "urgent_recall": _ratio(urgent_tp, urgent_tp + urgent_fn) if urgent_rows else None,
        "urgent_support": urgent_tp + urgent_fn if urgent_rows else None,
        "district_accuracy": _ratio(district_hits, district_rows),
        "district_support": district_rows,
    }
