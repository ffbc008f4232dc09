"""Writing the ledger (台账) as an Excel workbook with openpyxl.

Sheet 台账: one row per case, the header frozen and filtered, column widths that fit Chinese text (a CJK
character is about two Latin ones wide). Sheet 统计: counts by category and by district. Written in
openpyxl's write-only mode, so 10,000 cases take seconds and little memory.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config.taxonomy import Taxonomy
from handlers.reports.ledger import COLUMNS, column_titles

MAX_WIDTH = 60
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def display_width(value: object) -> int:
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _widths(rows: Sequence[Sequence[object]], header: Sequence[str]) -> list[int]:
    widths = [display_width(title) for title in header]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], display_width(value))
    return [min(MAX_WIDTH, width + 2) for width in widths]


def _header(sheet, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        cells.append(cell)
    return cells


def write_ledger(
    path: Path,
    rows: Iterable[list[object]],
    taxonomy: Taxonomy,
    *,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Write the workbook (titles and words from the taxonomy's texts); returns the number of cases written."""
    words = taxonomy.texts.ledger
    titles = column_titles(words)
    materialised: list[list[object]] = []
    for row in rows:
        materialised.append(row)
        if on_row is not None:
            on_row()
    workbook = Workbook(write_only=True)

    ledger = workbook.create_sheet(words.cases_sheet)
    for index, width in enumerate(_widths(materialised, titles), start=1):
        ledger.column_dimensions[get_column_letter(index)].width = width
    ledger.freeze_panes = "A2"
    last_column = get_column_letter(len(COLUMNS))
    ledger.auto_filter.ref = f"A1:{last_column}{len(materialised) + 1}"
    ledger.append(_header(ledger, titles))
    for row in materialised:
        ledger.append(row)

    category_at = COLUMNS.index("category")
    district_at = COLUMNS.index("district")
    by_category = Counter(str(row[category_at]) for row in materialised)
    by_district = Counter(str(row[district_at]) or taxonomy.texts.unknown_district for row in materialised)
    counts = workbook.create_sheet(words.counts_sheet)
    counts.column_dimensions["A"].width = 16
    counts.column_dimensions["B"].width = 10
    counts.append(_header(counts, (words.category, words.count)))
    for name in taxonomy.category_names:
        counts.append([name, by_category.get(name, 0)])
    counts.append([])
    counts.append(_header(counts, (words.district, words.count)))
    for name, count in by_district.most_common():
        counts.append([name, count])
    counts.append([])
    counts.append([words.total, len(materialised)])

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(materialised)
