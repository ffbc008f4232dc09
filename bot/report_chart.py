"""The daily report's bar chart, a PNG the command centre reads at a glance.

Drawn on a bare matplotlib Figure (the Agg renderer, no pyplot): no display is needed and no global
pyplot state is shared between the scheduler's threads. A new machine has no font with Chinese glyphs
and matplotlib would draw empty boxes with only a warning, so the Noto Sans CJK font shipped by the
`cvttf-notosanscjk-regular` package is registered and used for every label.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from importlib.resources import files
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure

from config.texts import Texts
from handlers.timers.daily_report import DailyReport

FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
INTAKE_COLOUR = "#3b7dd8"
WORK_COLOURS = ("#3b7dd8", "#2e9e5b", "#1d6b3c", "#d64541", "#e8743d", "#e8a33d")


@cache
def chinese_font() -> str:
    """The family name of the registered CJK font (registered once per process)."""
    path = str(files(FONT_PACKAGE) / FONT_FILE)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def draw_report_chart(report: DailyReport, texts: Texts, platform: str, path: Path) -> Path:
    """Intake by category beside the day's work (received, solved, urgent solved, not solved or not
    contacted in time, open).

    Written to a temporary file and renamed, so a reader (a sender, a second process drawing the same
    day) never sees half a picture.
    """
    stats = report.stats
    figure = Figure(figsize=(12, 5.2), dpi=110, layout="constrained")
    # rcParams are read as each text is made and drawn, so drawing and saving both happen inside
    with rc_context({"font.family": [chinese_font()], "axes.unicode_minus": False}):
        intake_axes, work_axes = figure.subplots(1, 2, width_ratios=(1, 1))
        names = list(stats.intake_by_category)
        counts = [stats.intake_by_category[name] for name in names]
        bars = intake_axes.barh(names, counts, color=INTAKE_COLOUR)
        intake_axes.invert_yaxis()
        intake_axes.bar_label(bars, padding=3)
        intake_axes.set_title(texts.report_chart_intake)
        _tidy(intake_axes, counts, axis="x")

        labels = [texts.report_bar_intake, texts.report_bar_closed, texts.report_bar_urgent_closed,
                  texts.report_bar_overdue, texts.report_bar_contact_overdue, texts.report_bar_open]
        figures = [stats.intake, stats.closed, stats.urgent_closed, stats.overdue, stats.contact_overdue,
                   stats.open_cases]
        bars = work_axes.bar(labels, figures, color=WORK_COLOURS)
        work_axes.bar_label(bars, padding=3)
        work_axes.set_title(texts.report_chart_work)
        _tidy(work_axes, figures, axis="y")

        figure.suptitle(texts.report_chart_title.format(platform=platform, date=stats.day.isoformat()),
                        fontsize=15)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png", dir=path.parent)
        os.close(handle)
        try:
            figure.savefig(temporary, format="png")
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


def _tidy(axes, values: list[int], *, axis: str) -> None:
    """Whole numbers only, room above the tallest bar for its label, no frame on two sides."""
    top = max(values, default=0)
    limit = max(1, top) * 1.15
    if axis == "x":
        axes.set_xlim(0, limit)
        axes.xaxis.get_major_locator().set_params(integer=True)
    else:
        axes.set_ylim(0, limit)
        axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)

