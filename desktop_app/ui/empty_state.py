"""A quiet sentence in the middle of an empty list or table, so an empty screen never looks broken."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel

from desktop_app.ui.palette import readable_muted


class EmptyState(QObject):
    """Shows `text()` over the view's viewport whenever its model has no rows."""

    def __init__(self, view: QAbstractItemView, text: Callable[[], str]) -> None:
        super().__init__(view)
        self._view = view
        self._text = text
        self.label = QLabel(view.viewport())
        self.label.setObjectName("emptyState")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.hide()
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.update)  # not before the first load: "empty" would flash at start

    def update(self) -> None:
        model = self._view.model()
        empty = model is not None and model.rowCount() == 0
        if empty:
            self.label.setText(self._text())
            self._tint()
            self._place()
        self.label.setVisible(empty)

    def _tint(self) -> None:
        """Muted, yet readable (>= 4.5:1) on the list's background, in light and dark themes."""
        source = self._view.palette()
        muted = readable_muted(
            source.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text),
            source.color(QPalette.ColorRole.Text),
            source.color(QPalette.ColorRole.Base),
        )
        palette = self.label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        self.label.setPalette(palette)

    def _place(self) -> None:
        area = self._view.viewport().rect().adjusted(24, 24, -24, -24)
        self.label.setGeometry(area)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.label.isVisible():
            self._place()
        return False
