"""The Inbox screen: conversation list, the open thread and the contact panel side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import Decision
from desktop_app.services.conversations import ConversationFilter, ConversationItem, ConversationView
from desktop_app.services.outreach import SendOutcome
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.background import BackgroundTask
from desktop_app.ui.consent_change_dialog import ConsentChangeDialog
from desktop_app.ui.contact_panel import ContactPanel
from desktop_app.ui.conversation_delegate import ConversationDelegate
from desktop_app.ui.empty_state import EmptyState
from desktop_app.ui.icons import icon
from desktop_app.ui.models.conversations import ConversationListModel
from desktop_app.ui.models.paged import Loaded
from desktop_app.ui.ops import Ops, plain_failure
from desktop_app.ui.thread_view import ThreadView

FILTERS = (
    (ConversationFilter.ALL, "All"),
    (ConversationFilter.NEEDS_REVIEW, "Needs review"),
    (ConversationFilter.OPTED_OUT, "Opted out"),
)


class InboxView(QWidget):
    changed = Signal()  # something in the book changed (pending count, states)
    notice = Signal(str)  # a short message for the status bar
    dismissed = Signal(str)  # a dismissal the owner may want to undo (description)

    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.conversations = services.conversations
        self.ops = ops
        self._contact_key: str | None = None
        self._mark_on_show: str | None = None

        self.search = QLineEdit()
        self.search.setObjectName("conversationSearch")
        self.search.setPlaceholderText("Search name, number or words  (Ctrl+F)")
        search_action = self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        search_action.setText("Search")
        search_action.setToolTip("Search")
        self.search.setAccessibleName("Search conversations")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._apply_query)
        self.search.textChanged.connect(self._search_timer.start)

        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        filter_row = QHBoxLayout()
        filter_row.setSpacing(2)
        for position, (value, label) in enumerate(FILTERS):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setAccessibleName(f"Show {label.lower()} conversations")
            button.setObjectName(f"filter_{value.value}")
            self.filter_group.addButton(button, position)
            filter_row.addWidget(button)
        filter_row.addStretch(1)
        self.filter_group.button(0).setChecked(True)
        self.filter_group.idClicked.connect(lambda _id: self._apply_query())

        self.model = ConversationListModel(services.conversations, parent=self)
        self.model.read_pages_with(ops.run_page_read)  # scrolling never reads on the UI thread
        self.send_tasks: list[BackgroundTask] = []
        self.list = QListView()
        self.list.setObjectName("conversationList")
        self.list.setAccessibleName("Conversations")
        self.list.setModel(self.model)
        self.empty_state = EmptyState(self.list, self._empty_text)
        self.list.setItemDelegate(ConversationDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.selectionModel().currentChanged.connect(self._current_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(self.search)
        left_layout.addLayout(filter_row)
        left_layout.addWidget(self.list, 1)

        self.thread_view = ThreadView()
        self.contact = ContactPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("inboxSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.thread_view)
        self.splitter.addWidget(self.contact)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([300, 640, 300])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.thread_view.banner.confirm_requested.connect(self.confirm)
        self.thread_view.banner.dismiss_requested.connect(self.dismiss)
        self.thread_view.send_requested.connect(self.send_reply)
        self.thread_view.send_anyway_requested.connect(
            lambda text, category: self.send_reply(text, category, as_non_promotional=True)
        )
        self.thread_view.category_changed.connect(lambda _c: self._check_send_allowed())
        self.contact.change_requested.connect(self.change_consent)
        self.thread_view.set_categories(services.conversations.categories())
        self._reload_list()

    # -- list ----------------------------------------------------------------------------------
    def _empty_text(self) -> str:
        if self.search.text().strip():
            return f"No conversation matches “{self.search.text().strip()}”."
        chosen = FILTERS[max(self.filter_group.checkedId(), 0)][0]
        if chosen is ConversationFilter.NEEDS_REVIEW:
            return "All clear: no conversation is waiting for your review."
        if chosen is ConversationFilter.OPTED_OUT:
            return "Nobody has opted out."
        return "No conversations yet. Messages your customers send to your WhatsApp number appear here."

    @property
    def contact_key(self) -> str | None:
        return self._contact_key

    def _apply_query(self) -> None:
        value = FILTERS[max(self.filter_group.checkedId(), 0)][0]
        self.model.set_filter(value, self.search.text())
        self._reload_list()

    def set_filter(self, value: ConversationFilter) -> None:
        position = [f for f, _label in FILTERS].index(value)
        self.filter_group.button(position).setChecked(True)
        self._apply_query()

    def _reload_list(
        self, keep_rows: int = 0, then: Callable[[], None] | None = None, *, keep_order: bool = False
    ) -> None:
        """Read the list off the UI thread; a newer reload makes this one's result stale.

        With `keep_order` (after the owner's own action) rows already shown keep their places, so the
        row just clicked does not jump away under the pointer; the next new message re-sorts.
        """
        shown = [item.contact_key for item in self.model.items()] if keep_order else []

        def loaded(rows: Loaded[ConversationItem]) -> None:
            if shown:
                rows = (in_previous_order(rows[0], shown), *rows[1:])
            self.model.apply_loaded(rows)
            self._reselect()
            if then is not None:
                then()

        self.ops.run_read(self.model.load_query(keep_rows), loaded, key="inbox-list")

    def refresh(self, *, keep_order: bool = False) -> None:
        """New messages or decisions: reload the list and the open conversation."""
        self._reload_list(keep_rows=self.model.rowCount(), keep_order=keep_order)
        if self._contact_key is not None:
            self._show(self._contact_key, mark_read=False)

    def _reselect(self) -> None:
        if self._contact_key is None:
            return
        row = self.model.row_for_contact(self._contact_key)
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        if row >= 0:
            index = self.model.index(row, 0)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:
            selection.clearSelection()
        selection.blockSignals(False)
        self.list.viewport().update()

    def open_contact(self, contact_key: str) -> None:
        """Open a conversation by key (from the tray, the review queue or the consent book)."""
        row = self.model.row_for_contact(contact_key)
        if row < 0 and self.model.filter is not ConversationFilter.ALL:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            self.filter_group.button(0).setChecked(True)
            self.model.set_filter(ConversationFilter.ALL, "")
            self._contact_key = contact_key
            self._reload_list(then=lambda: self._select(contact_key))
            return
        self._select(contact_key)

    def _select(self, contact_key: str) -> None:
        row = self.model.row_for_contact(contact_key)
        if row >= 0:
            if self.list.currentIndex().row() == row:
                self._show(contact_key, mark_read=True)
            self.list.setCurrentIndex(self.model.index(row, 0))
            self.list.scrollTo(self.model.index(row, 0))
        else:
            self._show(contact_key, mark_read=True)

    def move_selection(self, step: int) -> None:
        """J/K: next or previous conversation."""
        row = self.list.currentIndex().row()
        target = min(max(row + step, 0), self.model.rowCount() - 1)
        if target >= 0:
            self.list.setCurrentIndex(self.model.index(target, 0))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item(current.row())
        if isinstance(item, ConversationItem):
            self._show(item.contact_key, mark_read=True)

    # -- open conversation ---------------------------------------------------------------------
    def _show(self, contact_key: str, *, mark_read: bool) -> None:
        """Read the conversation off the UI thread; marking it read is a write, on the book writer."""
        self._contact_key = contact_key
        if mark_read:
            self._mark_on_show = contact_key  # kept even if a refresh's read supersedes this one
        category = self.thread_view.current_category()
        conversations = self.conversations

        def read() -> tuple[ConversationView, str, Decision]:
            view = conversations.open_conversation(contact_key)
            return view, category, conversations.may_send(contact_key, category)

        self.ops.run_read(read, self._shown, key="conversation")

    def _shown(self, result: tuple[ConversationView, str, Decision]) -> None:
        view, category, decision = result
        if view.contact_key != self._contact_key:
            return
        self.thread_view.show_conversation(view.title, view.display_number, view.messages)
        self.thread_view.show_detection(view.pending[0] if view.pending else None)
        self.contact.show_contact(
            view.contact_key, view.title, view.states, view.history, view.display_number
        )
        self.thread_view.show_consent(view.states)
        if category == self.thread_view.current_category():
            self._show_decision(decision)
        else:  # the owner picked another kind of message meanwhile: ask the gate about that one
            self._check_send_allowed()
        opened = self._mark_on_show == view.contact_key
        if opened:
            self._mark_on_show = None
        if opened and view.was_unread:
            key = view.contact_key
            self.ops.run_write(lambda: self.conversations.mark_read(key))
            row = self.model.row_for_contact(key)
            item = self.model.item(row)
            if item is not None:
                self.model.replace_item(row, item.read())

    def _check_send_allowed(self) -> None:
        if self._contact_key is None:
            return
        key, conversations = self._contact_key, self.conversations
        category = self.thread_view.current_category()

        def shown(decision: Decision) -> None:
            if key == self._contact_key and category == self.thread_view.current_category():
                self._show_decision(decision)

        self.ops.run_read(lambda: conversations.may_send(key, category), shown, key="send-check")

    def _show_decision(self, decision: Decision) -> None:
        self.thread_view.show_send_warning(None if decision.allowed else decision.reason, decision.since)

    # -- decisions -----------------------------------------------------------------------------
    def current_detection_id(self) -> int | None:
        detection = self.thread_view.banner.detection
        return detection.id if detection is not None and self.thread_view.banner.isVisible() else None

    def confirm(self, detection_id: int | None = None) -> bool:
        detection_id = detection_id if detection_id is not None else self.current_detection_id()
        if detection_id is None:
            return False
        chosen, review = detection_id, self.services.review
        self.thread_view.banner.hide()  # answered at once; the book catches up on the writer
        self.ops.run_write(lambda: review.confirm(chosen), self._decided, self._decision_failed)
        return True

    def dismiss(self, detection_id: int | None = None) -> bool:
        detection_id = detection_id if detection_id is not None else self.current_detection_id()
        if detection_id is None:
            return False
        chosen, review = detection_id, self.services.review
        self.thread_view.banner.hide()
        self.ops.run_write(lambda: review.dismiss(chosen), self._dismissed_one, self._decision_failed)
        return True

    def _decided(self, outcome: str) -> None:
        self.notice.emit(outcome)
        self.changed.emit()

    def _dismissed_one(self, outcome: str) -> None:
        self.dismissed.emit(outcome)
        self.changed.emit()

    def _decision_failed(self, error: BaseException) -> None:
        self.notice.emit(plain_failure(error))
        self.changed.emit()  # the banner comes back if the request still waits

    def send_reply(
        self, text: str, category: str, as_non_promotional: bool = False
    ) -> BackgroundTask | None:
        """The network send (which asks the consent gate first) runs off the UI thread."""
        if self._contact_key is None:
            return None
        key, outreach = self._contact_key, self.services.outreach
        self.thread_view.send_button.setEnabled(False)
        task = BackgroundTask(
            lambda: outreach.send_reply(key, text, category, as_non_promotional=as_non_promotional), self
        )
        task.done.connect(lambda outcome, error: self._reply_sent(task, key, outcome, error, text))
        self.send_tasks.append(task)
        return task.start()

    def _reply_sent(
        self, task: BackgroundTask, key: str, outcome: SendOutcome | None, error: str, text: str = ""
    ) -> None:
        if task in self.send_tasks:
            self.send_tasks.remove(task)
        self.thread_view.send_button.setEnabled(self.thread_view.reply.isEnabled())
        if error or outcome is None:
            self.thread_view.show_send_warning(error or "the message could not be sent")
        elif outcome.sent:
            if key == self._contact_key:
                self.thread_view.reply.clear()
            self.notice.emit("Reply sent.")
            self.refresh(keep_order=True)
        elif outcome.can_send_anyway:
            self.thread_view.show_offer_warning(outcome.reason, text, outcome.since)
        else:
            self.thread_view.show_send_warning(outcome.reason, outcome.since)

    def shutdown(self) -> None:
        for task in list(self.send_tasks):
            task.wait()

    def change_consent(self, contact_key: str) -> None:
        dialog = ConsentChangeDialog(self.contact.name.text(), self.conversations.categories(), self)
        dialog.setObjectName("consentChangeDialog")
        dialog.finished.connect(lambda result: self._record_change(dialog, contact_key, result))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _record_change(self, dialog: ConsentChangeDialog, contact_key: str, result: int) -> None:
        if result != ConsentChangeDialog.DialogCode.Accepted:
            return
        category, action, reason = dialog.choice()
        review = self.services.review
        self.ops.run_write(
            lambda: review.change_consent(contact_key, category, action, reason),
            self._decided,
            self._change_refused,
        )

    def _change_refused(self, error: BaseException) -> None:
        QMessageBox.warning(self, "Consent not changed", plain_failure(error))


def in_previous_order(items: Sequence[ConversationItem], shown: Sequence[str]) -> list[ConversationItem]:
    """Rows that were on screen in their old order; rows new to the list first, as read."""
    place = {key: position for position, key in enumerate(shown)}
    fresh = [item for item in items if item.contact_key not in place]
    kept = sorted((item for item in items if item.contact_key in place), key=lambda i: place[i.contact_key])
    return fresh + kept
