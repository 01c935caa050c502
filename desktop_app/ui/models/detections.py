"""Detections as table rows: the review queue (oldest first) and the "Applied automatically" list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_app.domain.records import DetectionRecord
from desktop_app.ui.explain import category_name, rule_words, trigger_words
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel, PageLoader
from desktop_app.ui.timefmt import full_time


class DetectionTableModel(PagedListModel[DetectionRecord]):
    headers = ("Received", "Customer", "Their words", "Request", "How we know", "Confidence")

    def __init__(self, loader: PageLoader, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        super().__init__(loader, page_size, parent)

    def row_for_detection(self, detection_id: int) -> int:
        return self.row_of(lambda d: d.id == detection_id)

    def cell(self, item: DetectionRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.headers[column]}: {self._text(item, column)}"
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return item.message_text
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, item: DetectionRecord, column: int) -> str:
        if column == 0:
            return full_time(item.message_at)
        if column == 1:
            return item.contact_name or item.contact_key
        if column == 2:
            return f"“{trigger_words(item)}”"
        if column == 3:
            what = "Start again" if item.kind.value == "opt_in" else "Stop"
            scope = "everything" if item.scope in (None, "all") else category_name(item.scope).lower()
            return f"{what} · {scope}"
        if column == 4:
            return rule_words(item)
        return f"{item.confidence:.0%}"
