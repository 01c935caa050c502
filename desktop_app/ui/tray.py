"""The system tray icon: a badge when something needs review, a notification per new opt-out."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app.ui.icons import icon


class Tray(QObject):
    open_requested = Signal()
    review_requested = Signal()  # a notification about several requests was clicked
    quit_requested = Signal()
    conversation_requested = Signal(str)  # contact key of the last notification

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon = QSystemTrayIcon(icon("app"), self)
        self.icon.setToolTip("Consent Desk")
        self.menu = QMenu()
        open_action = QAction("Open Consent Desk", self.menu)
        open_action.triggered.connect(self.open_requested)
        quit_action = QAction("Quit", self.menu)
        quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(open_action)
        self.menu.addSeparator()
        self.menu.addAction(quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._message_clicked)
        self.last_notified: str | None = None
        self.notifications: list[tuple[str, str]] = []

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        if self.available():
            self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def set_pending(self, count: int) -> None:
        self.icon.setIcon(icon("app-alert" if count else "app"))
        self.icon.setToolTip(f"Consent Desk — {count} to review" if count else "Consent Desk")

    def notify_opt_out(self, contact_key: str, who: str, words: str) -> None:
        self.last_notified = contact_key
        title = f"{who} asked to stop"
        self.notifications.append((title, words))
        if self.icon.isVisible():
            self.icon.showMessage(title, f"“{words}” — click to open", icon("review"), 8000)

    def notify_many_opt_outs(self, count: int) -> None:
        """One notification for a burst; clicking it opens the review queue."""
        self.last_notified = None
        title = f"{count} customers asked to stop"
        self.notifications.append((title, "Open Review to confirm them"))
        if self.icon.isVisible():
            self.icon.showMessage(title, "Click to open the review queue", icon("review"), 8000)

    def _message_clicked(self) -> None:
        if self.last_notified is not None:
            self.conversation_requested.emit(self.last_notified)
        else:
            self.review_requested.emit()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()
