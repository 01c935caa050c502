"""The main window: Inbox, Review, Applied automatically, Consent book and Dashboard, plus status and tray."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Union

from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.domain.model import IngestResult
from desktop_app.services.review import label_for
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.icons import icon
from desktop_app.ui.inbox_view import InboxView
from desktop_app.ui.ops import Ops
from desktop_app.ui.palette import banner_background, follow_tint
from desktop_app.ui.status_bar import StatusBar
from desktop_app.ui.toast import Toast
from desktop_app.ui.tray import Tray

if TYPE_CHECKING:  # imported when first opened: not on the start-up path
    from desktop_app.ui.auto_applied_view import AutoAppliedView
    from desktop_app.ui.consent_book_view import ConsentBookView
    from desktop_app.ui.dashboard_view import DashboardView
    from desktop_app.ui.first_run import FirstRunDialog
    from desktop_app.ui.review_view import ReviewView
    from desktop_app.ui.settings_dialog import SettingsDialog

INBOX, REVIEW, AUTO, BOOK, DASHBOARD = range(5)
TABS = (  # index -> icon, title; only the Inbox is built at start, the others when first opened
    (INBOX, "inbox", "Inbox"),
    (REVIEW, "review", "Review"),
    (AUTO, "auto", "Applied automatically"),
    (BOOK, "book", "Consent book"),
    (DASHBOARD, "dashboard", "Dashboard"),
)
REFRESH_DELAY_MS = 250  # bursts of webhook batches become one refresh


LazyView = Union["ReviewView", "AutoAppliedView", "ConsentBookView", "DashboardView"]


class MainWindow(QMainWindow):
    def __init__(self, services: UiServices, *, first_run: bool | None = None) -> None:
        super().__init__()
        self.services = services
        self.ops = Ops(services.writer, self)
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        self._set_title()
        self.settings_dialog: SettingsDialog | None = None

        self.inbox_view = InboxView(services, self.ops)
        self._views: dict[int, LazyView] = {}  # the other screens, once built
        self._placeholders: dict[int, QWidget] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        for index, icon_name, title in TABS:
            page: QWidget = self.inbox_view
            if index != INBOX:
                page = self._placeholders[index] = QWidget()
            self.tabs.addTab(page, icon(icon_name), title)
        settings_button = QPushButton(icon("settings"), "Settings")
        settings_button.setObjectName("settingsButton")
        settings_button.setAccessibleName("Settings")
        settings_button.setFlat(True)
        settings_button.clicked.connect(lambda: self.open_settings())
        self.tabs.setCornerWidget(settings_button, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(self._tab_changed)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.demo_banner = self._make_demo_banner()
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.status.set_connection(*services.connection_status())
        self.status.review_requested.connect(lambda: self.tabs.setCurrentIndex(REVIEW))
        self.status.reconnect_requested.connect(lambda: self.open_settings())
        self.toast = Toast(central)
        central.installEventFilter(self)
        self.tray = Tray(self)
        self.tray.open_requested.connect(self.bring_to_front)
        self.tray.quit_requested.connect(self.quit_app)
        self.tray.conversation_requested.connect(self.open_conversation)
        self.tray.review_requested.connect(self._open_review)
        self.tray.show()
        self._quitting = False

        self.inbox_view.changed.connect(self.book_changed)
        self.inbox_view.notice.connect(self.show_notice)
        self.inbox_view.dismissed.connect(self._offer_undo)
        self.ops.failed.connect(self.show_problem)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh_all)
        self._opt_outs_to_announce: list[str] = []
        self._announce_timer = QTimer(self)
        self._announce_timer.setSingleShot(True)
        self._announce_timer.setInterval(REFRESH_DELAY_MS)
        self._announce_timer.timeout.connect(self._announce_opt_outs)
        bridge = services.bridge
        if bridge is not None:
            bridge.ingested.connect(self.on_ingested)
            bridge.connection_changed.connect(self.status.set_connection)
            bridge.new_opt_out.connect(self.on_new_opt_out)

        self._install_shortcuts()
        self._update_pending()
        self.window_settings = QSettings(str(services.config_dir / "window.ini"), QSettings.Format.IniFormat)
        self._restore_geometry()
        if first_run is None:
            first_run = services.first_run
        if first_run:
            QTimer.singleShot(0, self.show_first_run)

    # -- chrome ----------------------------------------------------------------------------------
    # -- screens built when first opened (their modules stay off the start-up path) -------------
    @property
    def review_view(self) -> ReviewView:
        from desktop_app.ui.review_view import ReviewView

        view = self._view(REVIEW)
        assert isinstance(view, ReviewView)
        return view

    @property
    def auto_view(self) -> AutoAppliedView:
        from desktop_app.ui.auto_applied_view import AutoAppliedView

        view = self._view(AUTO)
        assert isinstance(view, AutoAppliedView)
        return view

    @property
    def book_view(self) -> ConsentBookView:
        from desktop_app.ui.consent_book_view import ConsentBookView

        view = self._view(BOOK)
        assert isinstance(view, ConsentBookView)
        return view

    @property
    def dashboard_view(self) -> DashboardView:
        from desktop_app.ui.dashboard_view import DashboardView

        view = self._view(DASHBOARD)
        assert isinstance(view, DashboardView)
        return view

    def _view(self, index: int) -> LazyView:
        view = self._views.get(index)
        if view is None:
            view = self._views[index] = self._build_view(index)
            placeholder = self._placeholders.pop(index)
            current = self.tabs.currentIndex()
            _index, icon_name, _title = TABS[index]
            self.tabs.blockSignals(True)
            title = self.tabs.tabText(index)  # the Review tab carries its count
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, view, icon(icon_name), title)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(False)
            placeholder.deleteLater()
        return view

    def _build_view(self, index: int) -> LazyView:
        if index == REVIEW:
            from desktop_app.ui.review_view import ReviewView

            review = ReviewView(self.services, self.ops)
            review.changed.connect(self.book_changed)
            review.notice.connect(self.show_notice)
            review.dismissed.connect(self._offer_undo)
            review.open_contact.connect(self.open_conversation)
            return review
        if index == AUTO:
            from desktop_app.ui.auto_applied_view import AutoAppliedView

            auto = AutoAppliedView(self.services, self.ops)
            auto.changed.connect(self.book_changed)
            auto.notice.connect(self.show_notice)
            auto.open_contact.connect(self.open_conversation)
            return auto
        if index == BOOK:
            from desktop_app.ui.consent_book_view import ConsentBookView

            book = ConsentBookView(self.services, self.ops)
            book.notice.connect(self.show_notice)
            return book
        from desktop_app.ui.dashboard_view import DashboardView

        return DashboardView(self.services, self.ops)

    def _set_title(self) -> None:
        shop = self.services.shop.shop_name
        # Qt appends the application's display name itself unless the title already ends with it.
        title = f"Demo · {shop}" if self.services.shop.is_demo else shop
        self.setWindowTitle(f"{title} — {APP_NAME}")

    def _make_demo_banner(self) -> QWidget:
        banner = QWidget()
        banner.setObjectName("demoBanner")
        follow_tint(banner, banner_background)
        text = QLabel(
            "<b>This is the demo.</b> The customers and their messages are simulated and nothing is sent "
            "to anyone. It starts afresh every time you open it: what you do here is not kept. "
            "To use your own WhatsApp number, open <b>Settings → Connection</b>."
        )
        text.setWordWrap(True)
        connect = QPushButton("Connect my number…")
        connect.setAccessibleName("Connect my WhatsApp number")
        connect.clicked.connect(lambda: self.open_settings(provider="meta"))
        row = QHBoxLayout(banner)
        row.setContentsMargins(12, 6, 12, 6)
        row.addWidget(text, 1)
        row.addWidget(connect)
        banner.setVisible(self.services.shop.is_demo)
        return banner

    def _install_shortcuts(self) -> None:
        bindings: list[tuple[tuple[str | QKeySequence.StandardKey, ...], Callable[[], object]]] = [
            (("Return", "Enter"), self.confirm_current),
            (("Delete", "Backspace"), self.dismiss_current),
            ((QKeySequence.StandardKey.Undo,), self.undo),
            ((QKeySequence.StandardKey.Find,), self.focus_search),
            (("J",), lambda: self._move(+1)),
            (("K",), lambda: self._move(-1)),
        ]
        bindings += [((f"Ctrl+{n + 1}",), partial(self.tabs.setCurrentIndex, n)) for n in range(5)]
        self.shortcuts: list[QShortcut] = []
        for keys, slot in bindings:
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(slot)
                self.shortcuts.append(shortcut)
        self.undo_action = QAction("Undo", self)

    def show_notice(self, text: str) -> None:
        self.status.showMessage(text, 8000)

    def show_problem(self, text: str) -> None:
        """Something failed in the background or uncaught: said in the window, in plain words."""
        self.status.showMessage(f"⚠ {text}", 20_000)
        self.toast.show_message(text, "OK", self.toast.hide)
        self._lift_toast()

    def _offer_undo(self, text: str) -> None:
        self.toast.show_message(text, "Undo", self.undo)
        self._lift_toast()

    def _lift_toast(self) -> None:
        """Keep the toast above the reply box: the owner may be typing when it appears."""
        toast, central = self.toast, self.centralWidget()
        if central is None or not toast.isVisible() or self.tabs.currentIndex() != INBOX:
            return
        reply = self.inbox_view.thread_view.reply
        if not reply.isVisible():
            return
        reply_top = reply.mapTo(central, QPoint(0, 0)).y()
        if toast.geometry().bottom() >= reply_top - 8:
            toast.move(toast.x(), max(0, reply_top - toast.height() - 12))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.centralWidget() and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self._lift_toast)  # after the toast placed itself for the new size
        return super().eventFilter(watched, event)

    # -- keyboard routing ------------------------------------------------------------------------
    def _typing(self) -> bool:
        from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit

        focus = QApplication.focusWidget()
        return isinstance(focus, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox)

    def confirm_current(self) -> None:
        if self._typing():
            return
        if self.tabs.currentIndex() == INBOX:
            self.inbox_view.confirm()
        elif self.tabs.currentIndex() == REVIEW:
            self.review_view.confirm_selected()

    def dismiss_current(self) -> None:
        if self._typing():
            return
        if self.tabs.currentIndex() == INBOX:
            self.inbox_view.dismiss()
        elif self.tabs.currentIndex() == REVIEW:
            self.review_view.dismiss_selected()

    def _move(self, step: int) -> None:
        if not self._typing() and self.tabs.currentIndex() == INBOX:
            self.inbox_view.move_selection(step)

    def focus_search(self) -> None:
        if self.tabs.currentIndex() == BOOK:
            self.book_view.search.setFocus()
        else:
            self.tabs.setCurrentIndex(INBOX)
            self.inbox_view.search.setFocus()
            self.inbox_view.search.selectAll()

    def undo(self) -> None:
        self.toast.hide()
        self.ops.run_write(self.services.review.undo, self._undone)

    def _undone(self, message: str | None) -> None:
        if message is None:
            self.show_notice("Nothing to undo.")
            return
        self.show_notice(message)
        self.book_changed()

    # -- data flow -------------------------------------------------------------------------------
    def on_ingested(self, result: IngestResult) -> None:
        self.services.review.invalidate()
        self.status.set_last_event(datetime.now(UTC))
        if not self._refresh_timer.isActive():  # at most one refresh per interval, even mid-burst
            self._refresh_timer.start()

    def on_new_opt_out(self, contact_key: str) -> None:
        """Collected and announced together: a burst of webhooks must not freeze the window."""
        if contact_key not in self._opt_outs_to_announce:
            self._opt_outs_to_announce.append(contact_key)
        if not self._announce_timer.isActive():
            self._announce_timer.start()

    def _open_review(self) -> None:
        self.bring_to_front()
        self.tabs.setCurrentIndex(REVIEW)

    def _announce_opt_outs(self) -> None:
        keys, self._opt_outs_to_announce = self._opt_outs_to_announce, []
        if len(keys) == 1:
            key, conversations = keys[0], self.services.conversations
            self.ops.run_read(
                lambda: conversations.describe_request(key),
                lambda found: self.tray.notify_opt_out(key, *found),
            )
        elif keys:
            self.tray.notify_many_opt_outs(len(keys))

    def book_changed(self) -> None:
        """A decision in one view: bring every view up to date at once (the inbox keeps its order)."""
        self.refresh_all(keep_order=True)

    def idle(self) -> bool:
        """No refresh is scheduled and every background read and write has been delivered."""
        return self.ops.idle() and not self._refresh_timer.isActive() and not self._announce_timer.isActive()

    def refresh_all(self, *, keep_order: bool = False) -> None:
        """Every read runs off the UI thread; a newer refresh supersedes one still running."""
        self.services.review.invalidate()
        self.inbox_view.refresh(keep_order=keep_order)
        for view in self._views.values():  # screens never opened have nothing to refresh
            if view.isVisible():
                view.refresh()
            else:
                view.loaded = False  # refreshed when the owner opens it: hidden views cost nothing
        self._update_pending()

    def _update_pending(self) -> None:
        self.ops.run_read(self.services.review.pending_count, self._show_pending, key="pending-count")

    def _show_pending(self, count: int) -> None:
        label = label_for(count)
        self.tabs.setTabText(REVIEW, f"Review ({label})" if count else "Review")
        self.status.set_pending(count, label)
        self.tray.set_pending(count)

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if index in self._placeholders:
            widget = self._view(index)  # built now; its first showEvent reads what it shows
        if index == REVIEW:
            self.review_view.table.setFocus()
        elif widget is self.inbox_view:
            self.inbox_view.list.setFocus()

    def open_conversation(self, contact_key: str) -> None:
        self.bring_to_front()
        self.tabs.setCurrentIndex(INBOX)
        self.inbox_view.open_contact(contact_key)

    # -- dialogs ---------------------------------------------------------------------------------
    def open_settings(self, provider: str | None = None, tab: int = 0) -> SettingsDialog:
        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.ops, self)
        if provider is not None:
            dialog.connection.set_provider(provider)
        dialog.tabs.setCurrentIndex(tab)
        dialog.saved.connect(self._settings_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _settings_saved(self, message: str) -> None:
        self._set_title()
        self.show_notice(message)
        if AUTO in self._views:
            self._views[AUTO].loaded = False

    def show_first_run(self) -> FirstRunDialog:
        from desktop_app.ui.first_run import FirstRunDialog

        dialog = FirstRunDialog(self)
        dialog.accepted.connect(lambda: self._first_run_chosen(dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.first_run_dialog = dialog

        def keychain_answered(answer: tuple[bool, str]) -> None:
            if not answer[0] and self.first_run_dialog is dialog:
                with contextlib.suppress(RuntimeError):  # closed (and deleted) before the keychain answered
                    dialog.show_keychain_problem(answer[1])

        self.ops.run_read(self.services.shop.keychain_available, keychain_answered)
        return dialog

    def _first_run_chosen(self, choice: str) -> None:
        if choice == "demo":
            shop = self.services.shop
            settings = shop.current()
            settings.provider = "demo"
            self.ops.run_write(lambda: shop.save(settings))
            return
        self.open_settings(provider=choice)

    # -- window life -----------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.window_settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = self.window_settings.value("inbox_splitter")
        if splitter is not None:
            self.inbox_view.splitter.restoreState(splitter)

    def save_geometry(self) -> None:
        self.window_settings.setValue("geometry", self.saveGeometry())
        self.window_settings.setValue("inbox_splitter", self.inbox_view.splitter.saveState())
        self.window_settings.sync()

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        self._quitting = True
        self.close()
        QApplication.quit()

    def shutdown(self) -> None:
        """Wait for every thread this window started (exports, connection tests)."""
        self._refresh_timer.stop()
        self._announce_timer.stop()
        self.toast.timer.stop()
        if BOOK in self._views:
            self.book_view.shutdown()
        self.inbox_view.shutdown()
        self.ops.shutdown()
        self.services.review.hold.release_all()  # confirmations held for undo leave before the house closes
        self.services.shop.stop_tunnel()
        if self.settings_dialog is not None:
            self.settings_dialog.connection.shutdown()

    def _keep_running_in_tray(self) -> bool:
        """Asks once (the answer is saved) whether closing the window should keep the app running."""
        shop = self.services.shop
        keep = shop.minimize_to_tray
        if keep is None:
            answer = QMessageBox.question(
                self,
                "Keep Consent Desk running?",
                "Keep receiving messages in the background when the window is closed? The icon next to "
                "the clock brings the window back and tells you when someone asks to stop.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            keep = answer == QMessageBox.StandardButton.Yes
            settings = shop.current()
            settings.minimize_to_tray = keep
            self.ops.run_write(lambda: shop.save(settings))
        return keep

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        if not self._quitting and self.tray.available() and self._keep_running_in_tray():
            self.hide()  # the webhook keeps running; the tray brings the window back
            event.ignore()
            return
        self.shutdown()
        self.tray.hide()
        super().closeEvent(event)
