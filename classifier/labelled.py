"""Labelled messages in the two CSV shapes yibang reads (evaluation, `yibang learn`, overrides export).

The taxonomy's development set and the overrides export: `text, category, urgency, district`; the public
gov-messages set: `subject, detail, label` (the text is subject + " " + detail).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_labelled_csv(path: Path | str) -> list[dict[str, str]]:
    """Rows of a labelled CSV as dicts; a UTF-8 byte-order mark (Excel's habit) is dropped."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        return [
            {(key or "").strip(): (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def text_of(row: Mapping[str, Any]) -> str:
    if row.get("text"):
        return str(row["text"])
    return f"{row.get('subject') or ''} {row.get('detail') or ''}".strip()


def category_of(row: Mapping[str, Any]) -> str:
    return str(row.get("category") or row.get("label") or "")
