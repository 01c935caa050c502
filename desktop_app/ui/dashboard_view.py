"""The Dashboard: opt-outs and opt-ins per week by source, pending reviews, confirmation delivery."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.dashboard import DashboardExtras
from desktop_app.domain.records import WeekStats
from desktop_app.services.review import label_for
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.explain import language_name, source_words
from desktop_app.ui.ops import Ops
from desktop_app.ui.palette import blend

WEEKS = 8
# The series colours QtCharts' light theme used, kept so the charts look as they did before.
SERIES_COLOURS = ("#209fdf", "#99ca53", "#f6a625", "#6d5fd5", "#bf593e", "#3c84a7")


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One coloured set of bars: a value per category (week)."""

    label: str
    values: tuple[float, ...]


def nice_scale(top: float, most_steps: int = 5) -> tuple[int, int]:
    """The y axis' (step, maximum): a whole 1-2-5 step, at most `most_steps` steps, maximum >= `top`.

    Every tick is a multiple of the step, so a bar of 3 ends exactly on a line when 3 is a tick.
    """
    top = max(top, 1.0)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(top / step) <= most_steps:
                return step, step * math.ceil(top / step)
        magnitude *= 10


def axis_ticks(top: float) -> list[int]:
    step, maximum = nice_scale(top)
    return list(range(0, maximum + 1, step))


def legend_rows(widths: Sequence[int], room: int, gap: int) -> list[list[int]]:
    """Indexes of legend entries per line: entries wrap onto a new line rather than being cut off."""
    rows: list[list[int]] = [[]]
    used = 0
    for index, width in enumerate(widths):
        needed = width if not rows[-1] else used + gap + width
        if rows[-1] and needed > room:
            rows.append([index])
            used = width
        else:
            rows[-1].append(index)
            used = needed
    return rows if rows[0] else []


class BarChart(QWidget):
    """Bars per category, side by side or stacked, drawn with QPainter so the bundle needs no QtCharts."""

    def __init__(self, title: str, name: str, *, stacked: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.stacked = stacked
        self.categories: list[str] = []
        self.series: list[ChartSeries] = []
        self.setAccessibleName(name)
        self.setMinimumHeight(260)
        self.empty_text = f"Nothing yet in the last {WEEKS} weeks."

    def set_data(self, categories: Sequence[str], series: Sequence[ChartSeries]) -> None:
        self.categories = list(categories)
        self.series = list(series)
        self.setAccessibleDescription(
            "; ".join(f"{s.label}: {sum(s.values):g} in {len(s.values)} weeks" for s in self.series)
            or "No data yet."
        )
        self.update()

    def top(self) -> float:
        if not self.series:
            return 0.0
        if self.stacked:
            return max(sum(column) for column in zip(*(s.values for s in self.series), strict=True))
        return max(max(s.values, default=0.0) for s in self.series)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        card = self.rect().adjusted(8, 8, -8, -8)
        painter.fillRect(card, base)
        inner = card.adjusted(16, 14, -16, -14)

        painter.setPen(text)
        title_box = QRect(inner.left(), inner.top(), inner.width(), line)
        painter.drawText(title_box, Qt.AlignmentFlag.AlignCenter, self.title)
        rows = self.legend_layout(metrics, inner.width())
        legend_top = inner.bottom() - line * max(len(rows), 1)
        self._draw_legend(painter, metrics, rows, QRect(inner.left(), legend_top, inner.width(), line))

        ticks = axis_ticks(self.top())
        maximum = ticks[-1]
        label_width = max(metrics.horizontalAdvance(str(tick)) for tick in ticks)
        plot = QRect(
            inner.left() + label_width + 8,
            title_box.bottom() + line,
            inner.width() - label_width - 8,
            legend_top - title_box.bottom() - 3 * line,
        )
        if plot.height() <= 0 or plot.width() <= 0:
            return
        grid = blend(base, text, 0.12)
        axis = blend(base, text, 0.35)
        for tick in ticks:
            y = plot.bottom() - plot.height() * tick / maximum
            painter.setPen(grid if tick else axis)
            painter.drawLine(plot.left(), round(y), plot.right(), round(y))
            painter.setPen(text)
            label_box = QRect(inner.left(), round(y - line / 2), label_width, line)
            painter.drawText(
                label_box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(tick)
            )
        count = max(len(self.categories), 1)
        slot = plot.width() / count
        for index, category in enumerate(self.categories):
            painter.setPen(grid)
            x = round(plot.left() + slot * index)
            painter.drawLine(x, plot.top(), x, plot.bottom())
            painter.setPen(text)
            label_box = QRect(round(plot.left() + slot * index), plot.bottom() + 4, round(slot), line)
            painter.drawText(label_box, Qt.AlignmentFlag.AlignCenter, category)
        painter.setPen(axis)
        painter.drawLine(plot.left(), plot.top(), plot.left(), plot.bottom())
        painter.drawLine(plot.right(), plot.top(), plot.right(), plot.bottom())
        self._draw_bars(painter, plot, slot, maximum)
        if self.is_empty():
            painter.setPen(blend(base, text, 0.6))
            flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
            painter.drawText(plot, flags, self.empty_text)
        painter.end()

    def is_empty(self) -> bool:
        return self.top() == 0

    def _draw_bars(self, painter: QPainter, plot: QRect, slot: float, maximum: int) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        group = slot * 0.5  # QtCharts' default bar width: half the category
        width = group if self.stacked else group / max(len(self.series), 1)
        for column in range(len(self.categories)):
            left = plot.left() + slot * column + (slot - group) / 2
            stacked_height = 0.0
            for number, series in enumerate(self.series):
                value = series.values[column] if column < len(series.values) else 0.0
                height = plot.height() * value / maximum
                x = left if self.stacked else left + width * number
                bottom = plot.bottom() - stacked_height if self.stacked else plot.bottom()
                painter.setBrush(QColor(SERIES_COLOURS[number % len(SERIES_COLOURS)]))
                painter.drawRect(QRectF(x, bottom - height, width, height))
                if self.stacked:
                    stacked_height += height

    LEGEND_MARKER = 8
    LEGEND_GAP = 16

    def legend_layout(self, metrics: QFontMetrics, room: int) -> list[list[int]]:
        return legend_rows([self._legend_width(metrics, s.label) for s in self.series], room, self.LEGEND_GAP)

    def _legend_width(self, metrics: QFontMetrics, label: str) -> int:
        return self.LEGEND_MARKER + 4 + metrics.horizontalAdvance(label)

    def _draw_legend(
        self, painter: QPainter, metrics: QFontMetrics, rows: list[list[int]], first: QRect
    ) -> None:
        marker, gap = self.LEGEND_MARKER, self.LEGEND_GAP
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for row_number, row in enumerate(rows):
            box = first.translated(0, row_number * first.height())
            widths = [self._legend_width(metrics, self.series[i].label) for i in row]
            x = box.left() + max(0, box.width() - sum(widths) - gap * (len(widths) - 1)) / 2
            for number, width in zip(row, widths, strict=True):
                painter.fillRect(
                    QRectF(x, box.center().y() - marker / 2 + 1, marker, marker),
                    QColor(SERIES_COLOURS[number % len(SERIES_COLOURS)]),
                )
                painter.drawText(
                    QRectF(x + marker + 4, box.top(), width, box.height()),
                    Qt.AlignmentFlag.AlignVCenter,
                    self.series[number].label,
                )
                x += width + gap


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
    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consent_book = services.consent_book
        self.conversations = services.conversations
        self.review = services.review
        self.ops = ops
        pending_tile, self.pending_value, self.pending_note = _tile("Waiting for your review")
        rate_tile, self.rate_value, self.rate_note = _tile("Confirmations delivered")
        week_tile, self.week_value, self.week_note = _tile("Opt-outs this week")
        speed_tile, self.speed_value, self.speed_note = _tile("Confirmed within 5 minutes")
        languages_tile, self.languages_value, self.languages_note = _tile("Top languages")
        self.languages_value.setWordWrap(True)
        smaller = self.languages_value.font()
        smaller.setPointSizeF(smaller.pointSizeF() / 1.6)  # names, not a number: they must fit the tile
        self.languages_value.setFont(smaller)
        tiles = QHBoxLayout()
        for tile in (pending_tile, week_tile, rate_tile, speed_tile, languages_tile):
            tiles.addWidget(tile, 1)

        self.changes_chart = BarChart(
            "Opt-outs and opt-ins per week", "Opt-outs and opt-ins per week", stacked=False
        )
        self.sources_chart = BarChart(
            "How customers told us (per week)", "Consent changes per week by source", stacked=True
        )
        charts = QGridLayout()
        charts.addWidget(self.changes_chart, 0, 0)
        charts.addWidget(self.sources_chart, 0, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(tiles)
        layout.addLayout(charts, 1)
        self.loaded = False  # the first query runs when the view is first shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """The stats are read off the UI thread; only the newest refresh is drawn."""
        self.loaded = True
        consent_book, review, conversations = self.consent_book, self.review, self.conversations
        self.ops.run_read(
            lambda: (
                consent_book.weekly_stats(WEEKS),
                review.pending_count(),
                conversations.dashboard_extras(WEEKS),
            ),
            self._show,
            key="dashboard",
        )

    def _show(self, result: tuple[list[WeekStats], int, DashboardExtras | None]) -> None:
        stats, pending, extras = result
        if extras is not None:
            self._show_extras(extras)
        self.pending_value.setText(label_for(pending))
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

    def _show_extras(self, extras: DashboardExtras) -> None:
        speed = extras.speed
        share = speed.share
        self.speed_value.setText("—" if share is None else f"{share:.0%}")
        self.speed_note.setText(
            f"{speed.within_five_minutes} of {speed.owed} customers who asked to stop were confirmed "
            f"within 5 minutes (last {WEEKS} weeks)"
            if speed.owed
            else "Nobody has asked to stop yet."
        )
        top = extras.top_languages[:3]
        self.languages_value.setText(", ".join(language_name(entry.language) for entry in top) or "—")
        self.languages_note.setText(
            f"Requests in the last {WEEKS} weeks: "
            + " · ".join(f"{language_name(e.language)} {e.requests}" for e in extras.top_languages)
            if extras.top_languages
            else "No requests yet."
        )

    def _draw(self, stats: list[WeekStats]) -> None:
        labels = [f"{s.week_start.day} {s.week_start.strftime('%b')}" for s in stats]
        self.changes_chart.set_data(
            labels,
            [
                ChartSeries("Opt-outs", tuple(float(s.opt_outs) for s in stats)),
                ChartSeries("Opt-ins", tuple(float(s.opt_ins) for s in stats)),
            ],
        )
        sources = sorted({name for s in stats for name in s.by_source})
        by_source = []
        for name in sources:
            words = source_words(name)
            values = tuple(float(s.by_source.get(name, 0)) for s in stats)
            by_source.append(ChartSeries(words[:1].upper() + words[1:], values))
        self.sources_chart.set_data(labels, by_source)
