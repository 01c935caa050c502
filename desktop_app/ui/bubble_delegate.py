"""Paints chat bubbles: inbound left, outbound right, trigger words highlighted, delivery ticks."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFontMetrics, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.domain.records import MessageRecord
from desktop_app.services.wording import merge_spans
from desktop_app.ui.journey_bubble import journey_html
from desktop_app.ui.models.paged import ItemRole
from desktop_app.ui.palette import AMBER, inbound_bubble, outbound_bubble, readable_muted, trigger_highlight
from desktop_app.ui.timefmt import short_time

MARGIN = 10
PAD = 9
MAX_SHARE = 0.72
DOCUMENT_CACHE = 1000
TICKS = {"sent": "✓", "delivered": "✓✓", "read": "✓✓ read", "failed": "⚠ not delivered", "queued": "🕓"}


def highlighted_html(text: str, spans: tuple[tuple[int, int], ...], colour: str) -> str:
    """HTML of `text` with each span wrapped in a marker; everything else escaped."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(
            f'<span style="background-color:{colour}; font-weight:600">{html.escape(text[start:end])}</span>'
        )
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out).replace("\n", "<br>")


class BubbleDelegate(QStyledItemDelegate):
    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        # sizeHint and paint need the same laid-out text; build it once per message, width and theme
        self._documents: dict[tuple[object, ...], QTextDocument] = {}

    def forget(self) -> None:
        """Drop laid-out bubbles (a new conversation was opened)."""
        self._documents.clear()

    def _document(self, message: MessageRecord, option: QStyleOptionViewItem) -> QTextDocument:
        highlight = trigger_highlight(option.palette).name()
        key = (
            message.id,
            message.text,
            message.detection,
            self._view.viewport().width(),
            highlight,
            option.font.key(),
        )
        cached = self._documents.get(key)
        if cached is not None:
            return cached
        if len(self._documents) > DOCUMENT_CACHE:
            self._documents.clear()
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        text = message.text or f"[{message.kind}]"
        spans = merge_spans(text, message.detection.spans) if message.detection is not None else ()
        if message.journey is not None:
            doc.setHtml(journey_html(message.journey))
        else:
            doc.setHtml(highlighted_html(text, spans, highlight))
        width = max(120.0, self._view.viewport().width() * MAX_SHARE - 2 * PAD)
        doc.setTextWidth(width)
        doc.setTextWidth(min(width, doc.idealWidth() + 1))
        self._documents[key] = doc
        return doc

    def _footer(self, message: MessageRecord) -> str:
        parts = [short_time(message.occurred_at)]
        if message.direction == "outbound" and message.status:
            parts.append(TICKS.get(message.status, message.status))
        return "  ".join(parts)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        message = index.data(ItemRole)
        if not isinstance(message, MessageRecord):
            return super().sizeHint(option, index)
        doc = self._document(message, option)
        footer_h = QFontMetrics(option.font).height()
        return QSize(self._view.viewport().width(), int(doc.size().height()) + footer_h + 2 * PAD + MARGIN)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        message = index.data(ItemRole)
        if not isinstance(message, MessageRecord):
            super().paint(painter, option, index)
            return
        palette = option.palette
        doc = self._document(message, option)
        metrics = QFontMetrics(option.font)
        footer = self._footer(message)
        inner_w = max(doc.size().width(), metrics.horizontalAdvance(footer))
        bubble_w = inner_w + 2 * PAD
        bubble_h = doc.size().height() + metrics.height() + 2 * PAD
        outbound = message.direction == "outbound"
        left = option.rect.right() - MARGIN - bubble_w if outbound else option.rect.left() + MARGIN
        bubble = QRectF(left, option.rect.top() + MARGIN / 2, bubble_w, bubble_h)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        flagged = message.detection is not None and message.detection.status == "pending"
        painter.setPen(AMBER if flagged else Qt.PenStyle.NoPen)
        fill = outbound_bubble(palette) if outbound else inbound_bubble(palette)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, 10, 10)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(bubble.adjusted(-2, -2, 2, 2), 12, 12)

        painter.translate(bubble.topLeft() + QPointF(PAD, PAD))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, palette.color(QPalette.ColorRole.Text))
        doc.documentLayout().draw(painter, context)
        painter.setPen(footer_colour(palette, fill))
        if message.status == "failed":
            painter.setPen(palette.color(QPalette.ColorRole.Text))
        footer_rect = QRectF(0, doc.size().height(), inner_w, metrics.height())
        painter.drawText(
            footer_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), footer
        )
        painter.restore()


def footer_colour(palette: QPalette, bubble: QColor) -> QColor:
    """The time and delivery line: muted, yet readable (>= 4.5:1) on the bubble."""
    return readable_muted(
        palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text),
        palette.color(QPalette.ColorRole.Text),
        bubble,
    )
