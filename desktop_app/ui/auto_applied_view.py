"""What automatic mode decided on its own, newest first, each one reversible by the owner."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.records import DetectionRecord
from desktop_app.services.applied import applied_page, is_whatsapp_option
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.detection_table import make_detection_table, size_detection_columns
from desktop_app.ui.empty_state import EmptyState
from desktop_app.ui.models.detections import DetectionTableModel
from desktop_app.ui.models.paged import Loaded
from desktop_app.ui.ops import Ops, plain_failure


class AutoAppliedView(QWidget):
    changed = Signal()
    notice = Signal(str)
    open_contact = Signal(str)

    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review = services.review
        self.ops = ops
        review = services.review
        heading = QLabel("Applied automatically")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        conversations = services.conversations
        # Exact signals and automatic decisions, plus what customers chose in WhatsApp's own menu.
        self.model = DetectionTableModel(
            lambda after, limit: applied_page(
                lambda n: review.auto_applied(limit=n).items,
                conversations.whatsapp_preference_changes,
                after,
                limit,
            ),
            parent=self,
        )
        self.model.read_pages_with(ops.run_page_read)  # scrolling never reads on the UI thread
        self.table = make_detection_table("autoAppliedTable")
        self.table.setAccessibleName("Requests applied automatically")
        self.table.setModel(self.model)
        self.empty_state = EmptyState(
            self.table,
            lambda: "Nothing was applied automatically yet. A tap on a Stop button, WhatsApp's own Stop "
            "option and, in automatic mode, the clearest requests will be listed here.",
        )
        size_detection_columns(self.table)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._open)
        self.reverse_button = QPushButton("Reverse…")
        self.reverse_button.setAccessibleName("Reverse the selected automatic decision")
        self.reverse_button.setToolTip("Adds a reversal to the consent book; the original entry stays")
        self.reverse_button.clicked.connect(self.reverse_selected)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reverse_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.loaded = False  # the first query runs when the view is first shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """Read the list off the UI thread, then show it."""
        self.loaded = True
        self.ops.run_read(self.model.load_query(self.model.rowCount()), self._show_list, key="auto-applied")

    def _show_list(self, loaded: Loaded[DetectionRecord]) -> None:
        self.model.apply_loaded(loaded)
        if self.review.auto_mode_enabled():
            text = (
                "Automatic mode is ON: requests the app was sure about were recorded and confirmed "
                "without asking you."
            )
        else:
            text = (
                "Automatic mode is off (Settings → Automatic mode), so only exact signals are applied "
                "without you: a tap on a Stop button, or WhatsApp's own Stop option."
            )
        self.explanation.setText(
            text + " If one is wrong, select it and press Reverse: a reversal is added to the consent book. "
            "A choice made in WhatsApp's own menu can only be changed by the customer."
        )
        self._update_buttons()

    def selected(self) -> list[DetectionRecord]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [d for d in (self.model.item(r) for r in rows) if d is not None]

    def _update_buttons(self, *_args: object) -> None:
        chosen = self.selected()
        customer_own = len(chosen) == 1 and is_whatsapp_option(chosen[0])
        self.reverse_button.setEnabled(len(chosen) == 1 and not customer_own)
        self.reverse_button.setToolTip(
            "The customer chose this in WhatsApp itself; only they can change it there"
            if customer_own
            else "Adds a reversal to the consent book; the original entry stays"
        )

    def reverse_selected(self) -> QMessageBox | None:
        """Ask first (without blocking the window); the reversal is a new ledger entry."""
        chosen = self.selected()
        if len(chosen) != 1 or is_whatsapp_option(chosen[0]):
            return None
        detection = chosen[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Reverse this decision?",
            f"Reverse the automatic decision for {detection.contact_name or detection.contact_key}? "
            "Their earlier consent comes back; the consent book keeps both entries.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("reverseQuestion")
        box.button(QMessageBox.StandardButton.Yes).setText("Reverse")
        box.finished.connect(lambda result: self._reverse(detection.id, result))
        box.finished.connect(box.deleteLater)
        box.open()
        return box

    def _reverse(self, detection_id: int, result: int) -> None:
        if result != QMessageBox.StandardButton.Yes:
            return
        review = self.review
        self.ops.run_write(lambda: review.reverse(detection_id), self._reversed, self._failed)

    def _reversed(self, message: str) -> None:
        self.notice.emit(message)
        self.changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.notice.emit(plain_failure(error))
        self.changed.emit()

    def _open(self, *_args: object) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.open_contact.emit(chosen[0].contact_key)
