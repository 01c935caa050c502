"""The banner over a flagged message: what was detected, in plain words, with Confirm / Not an opt-out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.domain.records import DetectionRecord
from desktop_app.ui.explain import scope_words, verdict_details, verdict_headline, verdict_sentence
from desktop_app.ui.palette import banner_background, follow_tint


class VerdictBanner(QFrame):
    """Shown while the open conversation has a request waiting for the owner's decision."""

    confirm_requested = Signal(int)  # detection id
    dismiss_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Opt-out request waiting for your decision")
        self._detection: DetectionRecord | None = None
        self.headline = QLabel()
        self.headline.setObjectName("verdictHeadline")
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.confirm_button = QPushButton("Confirm opt-out  ⏎")
        self.confirm_button.setAccessibleName("Confirm opt-out")
        self.confirm_button.setToolTip(
            "Record the request in the consent book and send the confirmation (Enter)"
        )
        self.confirm_button.setDefault(True)
        self.dismiss_button = QPushButton("Not an opt-out")
        self.dismiss_button.setAccessibleName("Not an opt-out")
        self.dismiss_button.setToolTip("Dismiss: the customer did not ask to stop (Delete). Ctrl+Z undoes.")
        self.confirm_button.clicked.connect(self._confirm)
        self.dismiss_button.clicked.connect(self._dismiss)

        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.sentence)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        follow_tint(self, banner_background)
        self.hide()

    @property
    def detection(self) -> DetectionRecord | None:
        return self._detection

    def show_detection(self, detection: DetectionRecord | None) -> None:
        self._detection = detection
        if detection is None:
            self.hide()
            return
        self.headline.setText(verdict_headline(detection))
        self.sentence.setText(verdict_sentence(detection))
        self.details.setText(verdict_details(detection))
        opt_in = detection.kind.value == "opt_in"
        self.confirm_button.setText("Confirm opt-in  ⏎" if opt_in else "Confirm opt-out  ⏎")
        self.confirm_button.setAccessibleName("Confirm opt-in" if opt_in else "Confirm opt-out")
        self.dismiss_button.setText("Not an opt-in" if opt_in else "Not an opt-out")
        self.setToolTip(f"Scope: {scope_words(detection.scope)}")
        self.show()

    def _confirm(self) -> None:
        if self._detection is not None:
            self.confirm_requested.emit(self._detection.id)

    def _dismiss(self) -> None:
        if self._detection is not None:
            self.dismiss_requested.emit(self._detection.id)
