"""The Dashboard: opt-outs and opt-ins per week by source, pending reviews, confirmation delivery."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.records import WeekStats
from desktop_app.services.inbox import InboxService
from desktop_app.ui.explain import source_words
from desktop_app.ui.palette import is_dark

WEEKS = 8


def _tile(title: str) -> tuple[QFrame, QLabel, QLabel]:
    frame = QFrame()
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    value = QLabel("—")
    font = value.font()
    font.setPointSizeF(font.pointSizeF() * 2.2)
    font.setBold(True)
    value.setFont(font)
    caption = QLabel(title)
    caption.setWordWrap(True)
    note = QLabel("")
    note.setWordWrap(True)
    layout = QVBoxLayout(frame)
    layout.addWidget(caption)
    layout.addWidget(value)
    layout.addWidget(note)
    value.setAccessibleName(title)
    return frame, value, note


class DashboardView(QWidget):
    def __init__(self, inbox: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inbox = inbox
        pending_tile, self.pending_value, self.pending_note = _tile("Waiting for your review")
        rate_tile, self.rate_value, self.rate_note = _tile("Confirmations delivered")
        week_tile, self.week_value, self.week_note = _tile("Opt-outs this week")
        tiles = QHBoxLayout()
        for tile in (pending_tile, week_tile, rate_tile):
            tiles.addWidget(tile)

        self.changes_chart = QChart()
        self.changes_chart.setTitle("Opt-outs and opt-ins per week")
        self.sources_chart = QChart()
        self.sources_chart.setTitle("How customers told us (per week)")
        self.changes_view = self._chart_view(self.changes_chart, "Opt-outs and opt-ins per week")
        self.sources_view = self._chart_view(self.sources_chart, "Consent changes per week by source")
        charts = QGridLayout()
        charts.addWidget(self.changes_view, 0, 0)
        charts.addWidget(self.sources_view, 0, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(tiles)
        layout.addLayout(charts, 1)
        self.loaded = False  # the first query runs when the view is first shown

    @staticmethod
    def _chart_view(chart: QChart, name: str) -> QChartView:
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setAccessibleName(name)
        view.setMinimumHeight(260)
        return view

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        stats = self.inbox.weekly_stats(WEEKS)
        pending = self.inbox.pending_count()
        self.pending_value.setText(self.inbox.pending_label())
        self.pending_note.setText("All clear." if not pending else "Open the Review tab to decide.")
        this_week = stats[-1] if stats else None
        self.week_value.setText(str(this_week.opt_outs if this_week else 0))
        self.week_note.setText(f"{this_week.opt_ins} opt-ins this week" if this_week else "")
        sent = sum(s.confirmations_sent for s in stats)
        delivered = sum(s.confirmations_delivered for s in stats)
        self.rate_value.setText(f"{delivered / sent:.0%}" if sent else "—")
        self.rate_note.setText(
            f"{delivered} of {sent} confirmations reached the customer (last {WEEKS} weeks)"
            if sent
            else "No confirmation sent yet."
        )
        self._draw(stats)

    def _axes(
        self, chart: QChart, series: QBarSeries | QStackedBarSeries, labels: list[str], top: int
    ) -> None:
        for axis in chart.axes():
            chart.removeAxis(axis)
        x_axis = QBarCategoryAxis()
        x_axis.append(labels)
        y_axis = QValueAxis()
        y_axis.setRange(0, max(top, 1))
        y_axis.setLabelFormat("%d")
        y_axis.setTickCount(min(max(top, 1), 5) + 1)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)

    def _draw(self, stats: list[WeekStats]) -> None:
        theme = (
            QChart.ChartTheme.ChartThemeDark if is_dark(self.palette()) else QChart.ChartTheme.ChartThemeLight
        )
        labels = [f"{s.week_start.day} {s.week_start.strftime('%b')}" for s in stats]
        for chart in (self.changes_chart, self.sources_chart):
            chart.removeAllSeries()
            chart.setTheme(theme)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            chart.setBackgroundRoundness(0)

        changes = QBarSeries()
        outs, ins = QBarSet("Opt-outs"), QBarSet("Opt-ins")
        outs.append([float(s.opt_outs) for s in stats])
        ins.append([float(s.opt_ins) for s in stats])
        changes.append(outs)
        changes.append(ins)
        self.changes_chart.addSeries(changes)
        self._axes(
            self.changes_chart,
            changes,
            labels,
            max([s.opt_outs for s in stats] + [s.opt_ins for s in stats] + [1]),
        )

        sources = sorted({name for s in stats for name in s.by_source})
        stacked = QStackedBarSeries()
        for name in sources:
            words = source_words(name)
            bar = QBarSet(words[:1].upper() + words[1:])
            bar.append([float(s.by_source.get(name, 0)) for s in stats])
            stacked.append(bar)
        self.sources_chart.addSeries(stacked)
        self._axes(self.sources_chart, stacked, labels, max([sum(s.by_source.values()) for s in stats] + [1]))
