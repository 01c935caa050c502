"""Asks the owner which category, which way, and why, before recording a manual consent change."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import ConsentAction
from desktop_app.ui.explain import category_name


class ConsentChangeDialog(QDialog):
    def __init__(self, contact_title: str, categories: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Change consent — {contact_title}")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        for category in categories:
            self.category.addItem(category_name(category), category)
        self.opt_out = QRadioButton("Stop sending (opt out)")
        self.opt_in = QRadioButton("Allow again (opt in)")
        self.opt_out.setChecked(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("e.g. she asked at the counter on Monday")
        self.reason.textChanged.connect(self._update_ok)
        note = QLabel(
            "This adds a new line to the consent book with your reason; nothing earlier is changed."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record change")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Messages", self.category)
        form.addRow("", self.opt_out)
        form.addRow("", self.opt_in)
        form.addRow("Reason (required)", self.reason)
        # Wide enough for the whole title in the title bar and the whole example in the reason box.
        metrics = self.fontMetrics()
        self.reason.setMinimumWidth(metrics.horizontalAdvance(self.reason.placeholderText()) + 32)
        self.setMinimumWidth(max(metrics.horizontalAdvance(self.windowTitle()) + 160, 460))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason.text().strip()))

    def choice(self) -> tuple[str, ConsentAction, str]:
        action = ConsentAction.OPT_OUT if self.opt_out.isChecked() else ConsentAction.OPT_IN
        return str(self.category.currentData()), action, self.reason.text().strip()
