"""Dashboard readings a shop owner can trust: whole-number ticks the bars meet, a legend in full."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from desktop_app.ui.dashboard_view import BarChart, ChartSeries, axis_ticks, legend_rows

NICE_STEPS = {f * 10**k for f in (1, 2, 5) for k in range(4)}


@pytest.mark.parametrize("top", [0, 1, 3, 4, 5, 6, 7, 9, 11, 12, 17, 23, 48, 99, 131, 999, 1234])
def test_ticks_are_whole_nice_numbers_from_zero_past_the_tallest_bar(top: int) -> None:
    ticks = axis_ticks(float(top))
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and step in NICE_STEPS
    assert ticks == list(range(0, ticks[-1] + 1, step))  # evenly spaced, so bars meet the lines
    assert ticks[-1] >= top and len(ticks) <= 6
    assert ticks[-1] - step < max(top, 1)  # no empty step above the tallest bar


def test_legend_entries_wrap_instead_of_being_cut(qtbot) -> None:
    chart = BarChart("How customers told us", "sources", stacked=True)
    qtbot.addWidget(chart)
    labels = [
        "Sent a stop word",
        "Wrote a sentence",
        "Tapped the Stop promotions button",
        "Used WhatsApp's own Stop option",
        "Changed by you",
        "Imported from a file",
    ]
    chart.set_data(["1 Dec"], [ChartSeries(label, (1.0,)) for label in labels])
    chart.resize(480, 300)
    metrics = QFontMetrics(chart.font())
    room = 480 - 2 * 8 - 2 * 16
    rows = chart.legend_layout(metrics, room)
    assert sorted(i for row in rows for i in row) == list(range(len(labels)))  # every entry, once
    for row in rows:
        width = sum(metrics.horizontalAdvance(labels[i]) + 12 for i in row) + 16 * (len(row) - 1)
        assert width <= room
    assert len(rows) > 1
    chart.show()
    chart.grab().save("/tmp/h7-legend.png")


def test_legend_rows_keep_order_and_fit() -> None:
    assert legend_rows([50, 50, 50], room=200, gap=10) == [[0, 1, 2]]
    assert legend_rows([120, 90, 30], room=200, gap=10) == [[0], [1, 2]]
    assert legend_rows([], room=200, gap=10) == []
