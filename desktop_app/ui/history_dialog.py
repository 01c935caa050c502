"""One contact's full consent history: every ledger entry with its evidence, who decided, confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import CategoryState, ConsentEventRecord
from desktop_app.ui.contact_panel import history_line
from desktop_app.ui.explain import category_name, state_symbol, state_words
from desktop_app.ui.timefmt import full_time


class HistoryDialog(QDialog):
    def __init__(
        self,
        title: str,
        states: list[CategoryState],
        history: list[ConsentEventRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(f"History — {title}")
        self.resize(640, 480)
        summary = "<br>".join(
            f"{state_symbol(s.state)} <b>{category_name(s.category)}</b>: {state_words(s.state)}"
            + (f" since {full_time(s.since)}" if s.since else "")
            for s in states
        )
        self.summary = QLabel(summary or "No consent recorded.")
        self.list = QListWidget()
        self.list.setAccessibleName("Consent history")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        for event in history:
            QListWidgetItem(history_line(event), self.list)
        if not history:
            QListWidgetItem("No consent changes recorded yet.", self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
