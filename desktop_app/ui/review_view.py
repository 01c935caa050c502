"""The Review queue: every waiting request, oldest first; confirm or dismiss one by one or in bulk."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.domain.records import DetectionRecord
from desktop_app.services.review import label_for
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.detection_table import make_detection_table, size_detection_columns
from desktop_app.ui.explain import verdict_sentence
from desktop_app.ui.models.detections import DetectionTableModel
from desktop_app.ui.models.paged import Loaded
from desktop_app.ui.ops import Ops, plain_failure

ALL_CLEAR = "All clear — nobody is waiting for an answer on opt-outs. 🌿"


class ReviewView(QWidget):
    changed = Signal()
    notice = Signal(str)
    dismissed = Signal(str)
    open_contact = Signal(str)

    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review = services.review
        self.ops = ops
        self.heading = QLabel()
        self.heading.setObjectName("reviewHeading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        hint = QLabel(
            "Oldest first. Select one or several (Shift/Ctrl+click, Ctrl+A), then confirm with Enter "
            "or dismiss with Delete. A dismissal can be undone for a few seconds."
        )
        hint.setWordWrap(True)

        review = services.review
        self.model = DetectionTableModel(
            lambda after, limit: review.pending(after=after, limit=limit), parent=self
        )
        self.model.read_pages_with(ops.run_page_read)  # scrolling never reads on the UI thread
        self.table = make_detection_table("reviewTable")
        self.table.setAccessibleName("Requests waiting for review")
        self.table.setModel(self.model)
        size_detection_columns(self.table)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._open_current)

        self.detail = QLabel()
        self.detail.setObjectName("reviewDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.confirm_button = QPushButton("Confirm selected  ⏎")
        self.confirm_button.setAccessibleName("Confirm selected requests")
        self.dismiss_button = QPushButton("Not an opt-out")
        self.dismiss_button.setAccessibleName("Dismiss selected requests")
        self.open_button = QPushButton("Open conversation")
        self.open_button.setAccessibleName("Open the conversation")
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.open_button.clicked.connect(self._open_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)

        queue = QWidget()
        queue_layout = QVBoxLayout(queue)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(hint)
        queue_layout.addWidget(self.table, 1)
        queue_layout.addWidget(self.detail)
        queue_layout.addLayout(buttons)
        self.empty = QLabel(ALL_CLEAR)
        self.empty.setObjectName("reviewEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(queue)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)
        self.loaded = False  # the first query runs when the view is first shown

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """Read the queue and its count off the UI thread, then show them."""
        self.loaded = True
        rows, review = self.model.load_query(self.model.rowCount()), self.review
        self.ops.run_read(lambda: (rows(), review.pending_count()), self._show_queue, key="review")

    def _show_queue(self, result: tuple[Loaded[DetectionRecord], int]) -> None:
        loaded, total = result
        selected = {d.id for d in self.selected()}
        self.model.apply_loaded(loaded)
        if total:
            self.heading.setText(
                f"{label_for(total)} request{'s' if total != 1 else ''} waiting for your decision"
            )
            self.stack.setCurrentIndex(0)
        else:
            self.heading.setText("Review")
            self.stack.setCurrentIndex(1)
        for detection_id in selected:
            row = self.model.row_for_detection(detection_id)
            if row >= 0:
                self.table.selectRow(row)
        if not self.table.selectionModel().hasSelection() and self.model.rowCount():
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> list[DetectionRecord]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [d for d in (self.model.item(r) for r in rows) if d is not None]

    def _selection_changed(self, *_args: object) -> None:
        chosen = self.selected()
        has = bool(chosen)
        self.confirm_button.setEnabled(has)
        self.dismiss_button.setEnabled(has)
        self.open_button.setEnabled(len(chosen) == 1)
        if len(chosen) == 1:
            item = chosen[0]
            self.detail.setText(
                f"<b>{item.contact_name or item.contact_key}</b>: “{_escape(item.message_text)}”"
                f"<br>{_escape(verdict_sentence(item))}"
            )
        elif chosen:
            self.detail.setText(f"{len(chosen)} requests selected.")
        else:
            self.detail.setText("")
        label = "Confirm selected  ⏎" if len(chosen) != 1 else "Confirm  ⏎"
        if len(chosen) > 1:
            label = f"Confirm {len(chosen)} requests  ⏎"
        self.confirm_button.setText(label)

    def confirm_selected(self) -> None:
        chosen = [d.id for d in self.selected()]
        if not chosen:
            return
        review = self.review
        self.ops.run_write(lambda: review.confirm_many(chosen), self._confirmed, self._failed)

    def dismiss_selected(self) -> None:
        chosen = [d.id for d in self.selected()]
        if not chosen:
            return
        review = self.review
        self.ops.run_write(lambda: review.dismiss_many(chosen), self._dismissed, self._failed)

    def _confirmed(self, message: str) -> None:
        self.notice.emit(message)
        self.changed.emit()

    def _dismissed(self, message: str) -> None:
        self.dismissed.emit(message)
        self.changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.notice.emit(plain_failure(error))
        self.changed.emit()

    def _open_current(self, *_args: object) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.open_contact.emit(chosen[0].contact_key)


def _escape(text: str | None) -> str:
    import html

    return html.escape(text or "")
