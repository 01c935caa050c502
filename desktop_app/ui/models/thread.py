"""The messages of one conversation, oldest at the top, as the bubble view shows them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desktop_app.domain.records import MessageRecord
from desktop_app.ui.models.paged import ItemRole
from desktop_app.ui.timefmt import full_time

Index = QModelIndex | QPersistentModelIndex


class ThreadModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._messages: list[MessageRecord] = []

    def set_messages(self, messages: list[MessageRecord]) -> None:
        self.beginResetModel()
        self._messages = list(messages)
        self.endResetModel()

    def messages(self) -> list[MessageRecord]:
        return list(self._messages)

    def row_of_detection(self, detection_id: int) -> int:
        for row, message in enumerate(self._messages):
            if message.detection is not None and message.detection.id == detection_id:
                return row
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._messages):
            return None
        message = self._messages[index.row()]
        if role == ItemRole:
            return message
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            who = "Customer" if message.direction == "inbound" else "You"
            text = message.text or f"[{message.kind}]"
            flag = ""
            if message.detection is not None and message.detection.status == "pending":
                flag = " (flagged as an opt-out request)"
            return f"{who}, {full_time(message.occurred_at)}: {text}{flag}"
        return None
