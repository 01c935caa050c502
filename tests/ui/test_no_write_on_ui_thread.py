"""The UI thread never writes to the consent book: every click's write runs on the book writer."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from desktop_app.storage.book import WrongThreadWriteError
from desktop_app.ui.consent_change_dialog import ConsentChangeDialog
from desktop_app.ui.main_window import REVIEW
from tests.ui.conftest import settle
from tests.ui.test_inbox_flows import open_row


def test_the_guard_is_on_for_the_window(window, runtime, customers):
    key = customers.say("15550101234", "Ana Souza", "Hello")
    with pytest.raises(WrongThreadWriteError):
        runtime.book.mark_read(key)  # the test runs on the UI thread, as the window's slots do


def test_clicks_decisions_undo_and_consent_changes_write_only_on_the_book_writer(
    qtbot, window, runtime, customers, monkeypatch
):
    writes: list[str] = []  # the thread of every unit of work the book opens
    check = runtime.book._check_writer_thread

    def recording_check() -> None:
        writes.append(threading.current_thread().name)
        check()  # still raises on the UI thread

    monkeypatch.setattr(runtime.book, "_check_writer_thread", recording_check)
    ana = customers.say("15550101234", "Ana Souza", "please stop the promo messages")
    bruno = customers.say("5511987650001", "Bruno Lima", "STOP")
    lucia = customers.say("34600100200", "Lucía Pérez", "STOP")
    window.refresh_all()
    settle(qtbot, window)
    problems: list[str] = []
    window.ops.failed.connect(problems.append)
    before = len(writes)

    open_row(qtbot, window, ana)  # a click marks the conversation read
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)  # confirm
    settle(qtbot, window)
    open_row(qtbot, window, bruno)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Delete)  # dismiss
    settle(qtbot, window)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    settle(qtbot, window)
    window.tabs.setCurrentIndex(REVIEW)
    settle(qtbot, window)
    window.review_view.table.selectAll()
    qtbot.mouseClick(window.review_view.confirm_button, Qt.MouseButton.LeftButton)  # bulk confirm
    settle(qtbot, window)
    window.tabs.setCurrentIndex(0)
    open_row(qtbot, window, lucia)
    qtbot.mouseClick(window.inbox_view.contact.change_button, Qt.MouseButton.LeftButton)
    dialog = window.inbox_view.findChild(ConsentChangeDialog, "consentChangeDialog")
    dialog.category.setCurrentIndex(dialog.category.findData("order_updates"))
    qtbot.keyClicks(dialog.reason, "asked at the counter")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)  # manual consent change
    settle(qtbot, window)

    assert problems == []
    assert runtime.book.consent_state(ana)["marketing"].state == "opted_out"
    assert runtime.book.consent_state(bruno)["all"].state == "opted_out"  # undone, then bulk-confirmed
    assert runtime.book.consent_state(lucia)["order_updates"].state == "opted_out"
    assert runtime.book.contact(ana).unread_count == 0
    ui_writes = writes[before:]
    assert len(ui_writes) >= 6  # mark read x3, confirm, dismiss, undo, bulk confirm, consent change
    assert set(ui_writes) == {"book-writer"}, ui_writes
