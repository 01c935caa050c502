"""The first-run chooser: try the demo (default), or connect WhatsApp Cloud API or Twilio."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

CHOICES = (
    (
        "demo",
        "Try the demo",
        "See how it works with a pretend bakery and its customers. No account needed; "
        "it starts afresh each time, so nothing you do in it is kept.",
    ),
    ("meta", "Connect WhatsApp Cloud API", "Use your own WhatsApp Business number through Meta."),
    ("twilio", "Connect through Twilio", "Your WhatsApp number is managed by Twilio."),
)


class FirstRunDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Welcome to Consent Desk")
        intro = QLabel(
            "<h2>Welcome!</h2>Consent Desk notices when a customer asks to stop receiving messages, "
            "records it, and makes sure nobody gets a message they said no to.<br><br>"
            "How would you like to start?"
        )
        intro.setWordWrap(True)
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        self.buttons: dict[str, QRadioButton] = {}
        for value, title, detail in CHOICES:
            button = QRadioButton(title)
            button.setObjectName(f"firstRun_{value}")
            button.setAccessibleDescription(detail)
            font = button.font()
            font.setBold(True)
            button.setFont(font)
            note = QLabel(detail)
            note.setWordWrap(True)
            note.setContentsMargins(24, 0, 0, 8)
            self.group.addButton(button)
            self.buttons[value] = button
            layout.addWidget(button)
            layout.addWidget(note)
        self.buttons["demo"].setChecked(True)
        self.keychain_note = QLabel()  # shown when there is no system keychain (asked off the UI thread)
        self.keychain_note.setObjectName("firstRunKeychain")
        self.keychain_note.setWordWrap(True)
        self.keychain_note.hide()
        layout.addWidget(self.keychain_note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("Continue")
        box.accepted.connect(self.accept)
        layout.addWidget(box)

    def show_keychain_problem(self, message: str) -> None:
        """Connecting a number needs the keychain for its tokens; the demo does not."""
        self.keychain_note.setText(f"⚠ To connect a number (the demo works without): {message}")
        self.keychain_note.show()
        self.setMinimumWidth(max(self.minimumWidth(), 480))  # a long sentence: wrap it on a wider dialog
        self.adjustSize()

    def choice(self) -> str:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return "demo"
