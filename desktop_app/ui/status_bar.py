"""The status bar: connection state in plain words, time of the last event, requests to review."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QStatusBar, QWidget

STATE_WORDS = {
    "connected": ("●", "Connected"),
    "polling": ("●", "Connected (checking for messages)"),
    "webhook_waiting": ("◌", "Waiting for Meta to call the webhook"),
    "offline": ("○", "Offline — messages will be caught up when the connection is back"),
    "token_expired": ("⚠", "The access token has expired"),
    "bad_credentials": ("⚠", "The credentials were refused"),
    "not_configured": ("○", "Not connected"),
    "demo": ("●", "Demo"),
}
NEEDS_ACTION = {"token_expired", "bad_credentials", "not_configured"}
GAP_PREFIX = "Meta has not reached the app since"  # services.meta_gaps.unreachable_warning
HEADLINE_CHARS = 110  # a longer message shows its first sentence; the tooltip has all of it


def _headline(message: str) -> str:
    """The first sentence of a long message (the status bar must never widen the window)."""
    if len(message) <= HEADLINE_CHARS:
        return message
    end = message.find(". ")
    return message[: end + 1] if end > 0 else message[:HEADLINE_CHARS].rstrip() + "…"


class StatusBar(QStatusBar):
    reconnect_requested = Signal()
    review_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = QLabel()
        self.connection.setObjectName("connectionState")
        self.connection.setAccessibleName("Connection")
        self.connection.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reconnect = QPushButton("Reconnect…")
        self.reconnect.setObjectName("reconnectButton")
        self.reconnect.setFlat(True)
        self.reconnect.clicked.connect(self.reconnect_requested)
        self.reconnect.hide()
        self.last_event = QLabel("No messages yet")
        self.last_event.setObjectName("lastEvent")
        self.pending = QPushButton()
        self.pending.setObjectName("pendingButton")
        self.pending.setFlat(True)
        self.pending.setAccessibleName("Requests to review")
        self.pending.clicked.connect(self.review_requested)
        self.addWidget(self.connection, 1)  # takes the free width, never more (Ignored policy)
        self.addWidget(self.reconnect)
        self.addPermanentWidget(self.last_event)
        self.addPermanentWidget(self.pending)
        self.set_connection("not_configured", "")
        self.set_pending(0)

    def set_connection(self, state: str, message: str) -> None:
        symbol, words = STATE_WORDS.get(state, ("○", state))
        text = f"{symbol} {words}"
        if message.startswith(GAP_PREFIX):  # more important than the state: say it first, in its words
            text = f"⚠ {_headline(message)}"
        elif message.startswith(words):
            text = f"{symbol} {_headline(message)}"
        elif message:
            text += f" · {_headline(message)}"
        self.connection.setText(text)
        self.connection.setToolTip(message)
        self.reconnect.setVisible(state in NEEDS_ACTION)

    def set_last_event(self, moment: datetime) -> None:
        self.last_event.setText(f"Last message {moment.astimezone().strftime('%H:%M:%S')}")

    def set_pending(self, count: int, label: str | None = None) -> None:
        self.pending.setText(f"⚠ {label or count} to review" if count else "Nothing to review ✓")
