"""The window around the views: demo title and banner, status bar, tray notifications, geometry."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.services.ui_services import ui_services_for
from desktop_app.ui.main_window import INBOX, MainWindow
from tests.ui.conftest import settle


def test_demo_says_so_in_the_title_and_a_banner(window):
    assert window.windowTitle().startswith("Demo · ") and window.windowTitle().endswith("— Consent Desk")
    assert window.demo_banner.isVisible()
    assert (
        "Settings → Connection" in window.demo_banner.findChildren(type(window.status.connection))[0].text()
    )


def test_status_bar_follows_the_connection_and_new_messages(qtbot, window, runtime, customers):
    runtime.bridge.report_connection("token_expired", "Meta says the access token expired on 3 Mar")
    qtbot.waitUntil(lambda: "access token has expired" in window.status.connection.text())
    assert window.status.reconnect.isVisible()
    runtime.bridge.report_connection("connected", "")
    qtbot.waitUntil(lambda: window.status.connection.text() == "● Connected")
    assert not window.status.reconnect.isVisible()

    customers.say("15550101234", "Ana Souza", "STOP")  # the pipeline reports through the bridge
    qtbot.waitUntil(lambda: window.status.pending.text() == "⚠ 1 to review", timeout=3000)
    assert window.status.last_event.text().startswith("Last message ")
    qtbot.waitUntil(lambda: window.inbox_view.model.rowCount() == 1)  # the list is read off the UI thread


def test_a_new_opt_out_notifies_and_the_click_opens_that_conversation(qtbot, window, runtime, customers):
    customers.say("5511987650001", "Bruno Lima", "Oi")
    key = customers.say("15550101234", "Ana Souza", "please stop the promo messages")
    qtbot.waitUntil(lambda: bool(window.tray.notifications), timeout=3000)
    assert window.tray.notifications[-1] == ("Ana Souza asked to stop", "stop the promo messages")
    window.tabs.setCurrentIndex(3)

    window.tray.icon.messageClicked.emit()

    assert window.tabs.currentIndex() == INBOX
    assert window.inbox_view.contact_key == key
    qtbot.waitUntil(window.inbox_view.thread_view.banner.isVisible)


def test_window_geometry_is_remembered(qtbot, runtime):
    first = MainWindow(ui_services_for(runtime), first_run=False)
    qtbot.addWidget(first)
    first.show()
    first.resize(720, 530)  # within the offscreen screen, or restoring clamps it
    first.inbox_view.splitter.setSizes([180, 330, 200])
    sizes = first.inbox_view.splitter.sizes()
    first.close()
    first.shutdown()

    second = MainWindow(ui_services_for(runtime), first_run=False)
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (720, 530)
    assert second.inbox_view.splitter.sizes() == sizes
    second.shutdown()


def test_everything_has_an_accessible_name(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit, QPlainTextEdit

    unnamed = [
        widget.objectName() or repr(widget)
        for kind in (QLineEdit, QPlainTextEdit, QAbstractItemView)
        for widget in window.findChildren(kind)
        if widget.isVisible() and not widget.accessibleName()
    ]
    assert unnamed == []
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisible()]
    assert [
        b.parent().objectName() for b in buttons if not (b.accessibleName() or b.text() or b.toolTip())
    ] == []


def test_ctrl_number_switches_views(qtbot, window):
    for number in range(5):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{number + 1}"), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == number


def test_tints_follow_a_switch_to_a_dark_theme(qtbot, window, customers):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    key = customers.say("15550101234", "Ana Souza", "STOP")
    window.refresh_all()
    settle(qtbot, window)
    window.inbox_view.open_contact(key)
    banner = window.inbox_view.thread_view.banner
    qtbot.waitUntil(banner.isVisible)
    light = banner.palette().color(QPalette.ColorRole.Window)
    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
    ):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: banner.palette().color(QPalette.ColorRole.Window).lightness() < 100)
        assert window.demo_banner.palette().color(QPalette.ColorRole.Window).lightness() < 100
        assert banner.palette().color(QPalette.ColorRole.WindowText).lightness() > 200  # text stays readable
    finally:
        app.setPalette(original)
    qtbot.waitUntil(lambda: banner.palette().color(QPalette.ColorRole.Window) == light)
