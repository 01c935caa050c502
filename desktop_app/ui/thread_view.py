"""The middle pane: header, message bubbles, the verdict banner and the guarded reply box."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import CategoryState
from desktop_app.domain.reach import Reach, what_may_be_sent
from desktop_app.domain.records import DetectionRecord, MessageRecord
from desktop_app.services.outreach import utc_minutes
from desktop_app.ui.bubble_delegate import BubbleDelegate
from desktop_app.ui.explain import category_name
from desktop_app.ui.models.thread import ThreadModel
from desktop_app.ui.palette import bad_tint, follow_tint
from desktop_app.ui.timefmt import full_time
from desktop_app.ui.verdict_banner import VerdictBanner


class ThreadListView(QListView):
    """Re-lays out bubbles when the width changes (bubble height depends on it)."""

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.scheduleDelayedItemsLayout()


class ThreadView(QWidget):
    send_requested = Signal(str, str)  # text, category
    send_anyway_requested = Signal(str, str)  # the owner says this offer-looking reply is not an offer
    category_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Pick a conversation on the left")
        self.title.setObjectName("threadTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel("")
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.model = ThreadModel(self)
        self.list = ThreadListView()
        self.list.setObjectName("threadList")
        self.list.setAccessibleName("Messages")
        self.list.setModel(self.model)
        self.bubbles = BubbleDelegate(self.list)
        self.list.setItemDelegate(self.bubbles)
        self.model.modelAboutToBeReset.connect(self.bubbles.forget)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setUniformItemSizes(False)
        self.list.setFrameShape(QListView.Shape.NoFrame)
        self.list.setWordWrap(True)

        self.banner = VerdictBanner()

        self.warning = QLabel()
        self.warning.setObjectName("sendWarning")
        self.warning.setWordWrap(True)
        self.warning.setMargin(6)
        self.warning.setAccessibleName("Sending warning")
        follow_tint(self.warning, bad_tint)
        self.warning.hide()
        self.send_anyway_button = QPushButton("Send anyway — it is not an offer")
        self.send_anyway_button.setAccessibleName("Send anyway as a non-promotional reply")
        self.send_anyway_button.setToolTip(
            "Send this reply as an ordinary, non-promotional message; your choice is kept in the book"
        )
        self.send_anyway_button.clicked.connect(self._send_anyway)
        self.send_anyway_button.hide()
        self._blocked_text: str | None = None

        # What the customer's consent allows, right above the reply box whenever it limits anything.
        self.consent_line = QLabel()
        self.consent_line.setObjectName("replyConsent")
        self.consent_line.setWordWrap(True)
        self.consent_line.setAccessibleName("What may be sent to this customer")
        self.consent_line.hide()
        self.reach: Reach | None = None

        self.reply = QPlainTextEdit()
        self.reply.setObjectName("replyBox")
        self.reply.setPlaceholderText("Type a reply…")
        self.reply.setAccessibleName("Reply")
        self.reply.setFixedHeight(self.reply.fontMetrics().height() * 3 + 12)
        self.reply.textChanged.connect(self._reply_edited)
        self.category = QComboBox()
        self.category.setAccessibleName("Kind of message")
        self.category.setToolTip(
            "What kind of message this is decides whether the customer's choice allows it"
        )
        self.category.currentIndexChanged.connect(self._emit_category)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send reply")
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        self.send_button.clicked.connect(self._send)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.reply)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._send)

        header = QVBoxLayout()
        header.setSpacing(0)
        header.addWidget(self.title)
        header.addWidget(self.subtitle)
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.reply, 1)
        side = QVBoxLayout()
        side.addWidget(self.category)
        side.addWidget(self.send_button)
        reply_row.addLayout(side)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.banner)
        warning_row = QHBoxLayout()
        warning_row.addWidget(self.warning, 1)
        warning_row.addWidget(self.send_anyway_button)
        layout.addLayout(warning_row)
        layout.addWidget(self.consent_line)
        layout.addLayout(reply_row)
        self.set_enabled_for_contact(False)

    # -- content -------------------------------------------------------------------------------
    def set_categories(self, categories: list[str]) -> None:
        current = self.current_category()
        self.category.blockSignals(True)
        self.category.clear()
        for category in categories:
            if category == "all":
                continue
            self.category.addItem(category_name(category), category)
        index = self.category.findData(current or "order_updates")
        self.category.setCurrentIndex(max(index, 0))
        self.category.blockSignals(False)

    def current_category(self) -> str:
        return str(self.category.currentData() or "")

    def set_enabled_for_contact(self, enabled: bool) -> None:
        for widget in (self.reply, self.category, self.send_button):
            widget.setEnabled(enabled)

    def show_conversation(self, title: str, subtitle: str, messages: list[MessageRecord]) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.model.set_messages(messages)
        self.list.scrollToBottom()
        self.set_enabled_for_contact(True)

    def show_consent(self, states: list[CategoryState] | None) -> None:
        """One sentence above the reply box when the customer's choices limit what may be sent."""
        if states is None:
            self.reach = None
            self.consent_line.hide()
            return
        categories = [self.category.itemData(i) for i in range(self.category.count())]
        self.reach = what_may_be_sent(
            {state.category: state for state in states},
            [str(c) for c in categories] or [state.category for state in states],
            name=category_name,
            when=full_time,
        )
        self.consent_line.setText(f"⊘ {self.reach.sentence}")
        self.consent_line.setVisible(self.reach.limited)

    def clear(self) -> None:
        self.title.setText("Pick a conversation on the left")
        self.subtitle.setText("")
        self.model.set_messages([])
        self.banner.show_detection(None)
        self.show_send_warning(None)
        self.show_consent(None)
        self.set_enabled_for_contact(False)

    def show_detection(self, detection: DetectionRecord | None) -> None:
        self.banner.show_detection(detection)
        if detection is not None:
            row = self.model.row_of_detection(detection.id)
            if row >= 0:
                self.list.scrollTo(self.model.index(row, 0))

    def show_send_warning(self, reason: str | None, since: object = None) -> None:
        """A forbidden send: say why and since when, and keep the Send button off."""
        self.send_anyway_button.hide()
        self._blocked_text = None
        if not reason:
            self.warning.hide()
            self.send_button.setEnabled(self.reply.isEnabled())
            return
        if since is not None:
            if self.reach is not None and self.reach.everything_stopped:
                reason = f"this customer asked to stop all messages (since {full_time(since)})"  # type: ignore[arg-type]
            else:
                what = category_name(self.current_category()).lower()
                reason = f"this customer asked not to receive {what} messages (since {full_time(since)})"  # type: ignore[arg-type]
        advice = (
            "Only the customer can start again, for example by replying START."
            if self.reach is not None and self.reach.everything_stopped
            else "Choose another kind of message, or leave it."
        )
        self.warning.setText(f"⊘ Not sent: {reason}. {advice}")
        self.warning.show()
        self.send_button.setEnabled(False)

    def show_offer_warning(self, reason: str, text: str, since: datetime | None = None) -> None:
        """A reply that reads like an offer to someone who stopped offers: not sent; the owner may
        still send it as a non-promotional reply (this exact text), after reading why."""
        if since is not None:  # the owner's own clock, as everywhere else in the window
            reason = reason.replace(f"on {utc_minutes(since)}", f"on {full_time(since)}")
        self.warning.setText(
            f"⊘ Not sent: {reason}. Rewrite it without the offer, or send it anyway if it is not one."
        )
        self.warning.show()
        self._blocked_text = text
        self.send_anyway_button.show()
        self.send_button.setEnabled(self.reply.isEnabled())

    # -- actions -------------------------------------------------------------------------------
    def _reply_edited(self) -> None:
        if self._blocked_text is not None and self.reply.toPlainText().strip() != self._blocked_text:
            self._blocked_text = None
            self.send_anyway_button.hide()
            self.warning.hide()

    def _send_anyway(self) -> None:
        text = self.reply.toPlainText().strip()
        if text and text == self._blocked_text:
            self.send_anyway_button.hide()
            self.send_anyway_requested.emit(text, self.current_category())

    def _emit_category(self) -> None:
        self.category_changed.emit(self.current_category())

    def _send(self) -> None:
        text = self.reply.toPlainText().strip()
        if text and self.send_button.isEnabled():
            self.send_requested.emit(text, self.current_category())
