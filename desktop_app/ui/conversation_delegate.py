"""Paints one conversation row: name, time, preview, unread pill, ⚠ review tint, ⛔ when opted out."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.services.conversations import ConversationItem
from desktop_app.ui.icons import icon
from desktop_app.ui.models.paged import ItemRole
from desktop_app.ui.palette import AMBER, readable_muted, review_tint
from desktop_app.ui.timefmt import short_time

PADDING = 8


def row_colours(palette: QPalette, *, selected: bool, pending: bool) -> tuple[QColor, QColor, QColor]:
    """(background, text, muted text) of a row; the muted grey stays readable on the amber tint."""
    if selected:
        text = palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(QPalette.ColorRole.Highlight), text, text
    background = review_tint(palette) if pending else palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    muted = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    return background, text, readable_muted(muted, text, background)


class ConversationDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(240, 2 * line + 3 * PADDING // 2 + 4)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        item = index.data(ItemRole)
        if not isinstance(item, ConversationItem):
            super().paint(painter, option, index)
            return
        painter.save()
        palette = option.palette
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pending = item.pending_reviews > 0
        background, text_color, muted = row_colours(palette, selected=selected, pending=pending)
        if selected or item.pending_reviews:
            painter.fillRect(rect, background)
        if item.pending_reviews:  # a strong amber edge stays visible even when selected
            painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), AMBER)

        inner = rect.adjusted(PADDING + 4, PADDING // 2 + 2, -PADDING, -PADDING // 2)
        metrics = QFontMetrics(option.font)
        line_h = metrics.height()
        bold = QFont(option.font)
        bold.setBold(True)

        when = short_time(item.last_at)
        when_w = metrics.horizontalAdvance(when) + PADDING
        painter.setFont(option.font)
        painter.setPen(muted)
        painter.drawText(
            QRect(inner.right() - when_w, inner.top(), when_w, line_h),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            when,
        )

        painter.setFont(bold)
        painter.setPen(text_color)
        badge = line_h - 2 if item.opted_out else 0
        title_rect = QRect(inner.left(), inner.top(), inner.width() - when_w - badge - 4, line_h)
        title = QFontMetrics(bold).elidedText(item.title, Qt.TextElideMode.ElideRight, title_rect.width())
        painter.drawText(title_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        if item.opted_out:  # the ⛔ badge, drawn as an icon so it never depends on an emoji font
            left = inner.left() + QFontMetrics(bold).horizontalAdvance(title) + 6
            icon("opted-out").paint(painter, QRect(left, inner.top() + 1, badge, badge))

        preview_rect = QRect(inner.left(), inner.top() + line_h + 2, inner.width(), line_h)
        pill = str(item.unread) if item.unread else ""
        if pill:
            pill_w = max(line_h, metrics.horizontalAdvance(pill) + PADDING)
            pill_rect = QRect(preview_rect.right() - pill_w, preview_rect.top(), pill_w, line_h)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(
                palette.color(QPalette.ColorRole.Highlight if not selected else QPalette.ColorRole.Base)
            )
            painter.drawRoundedRect(pill_rect, line_h / 2, line_h / 2)
            painter.setPen(
                palette.color(QPalette.ColorRole.HighlightedText if not selected else QPalette.ColorRole.Text)
            )
            painter.drawText(pill_rect, int(Qt.AlignmentFlag.AlignCenter), pill)
            preview_rect.setRight(pill_rect.left() - PADDING // 2)

        if item.pending_reviews:
            preview = f"⚠ “{item.preview}”"
            painter.setFont(bold)
            painter.setPen(text_color)
            fm = QFontMetrics(bold)
        else:
            preview = item.preview
            painter.setFont(option.font)
            painter.setPen(muted)
            fm = metrics
        painter.drawText(
            preview_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(preview.replace("\n", " "), Qt.TextElideMode.ElideRight, preview_rect.width()),
        )
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()
