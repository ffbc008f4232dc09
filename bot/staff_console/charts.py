"""The dashboard's charts: plain horizontal bars drawn on the server as PNG (matplotlib's Agg renderer on a
bare Figure, as the daily report's chart; its CJK font registered once), the numbers beside the bars."""

from __future__ import annotations

import io

from matplotlib import rc_context
from matplotlib.figure import Figure

from bot.report_chart import chinese_font

BAR_COLOUR = "#3b7dd8"
ROW_INCHES = 0.32


def bar_chart(labels: list[str], values: list[float], *, value_labels: list[str] | None = None,
              limit: float | None = None) -> bytes:
    """Bars from the top down in the order given; `value_labels` written beside them (the values when
    not given); `limit` fixes the scale (100 for percentages)."""
    height = max(1.1, 0.55 + ROW_INCHES * len(labels))
    figure = Figure(figsize=(6.4, height), dpi=100, layout="constrained")
    with rc_context({"font.family": [chinese_font()], "axes.unicode_minus": False, "font.size": 10}):
        axes = figure.subplots()
        bars = axes.barh(labels, values, color=BAR_COLOUR, height=0.62)
        axes.invert_yaxis()
        axes.bar_label(bars, labels=value_labels or [f"{value:g}" for value in values], padding=3)
        axes.set_xlim(0, (limit or max(1, max(values, default=0))) * 1.18)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
