"""The undo toast never covers the reply box the owner may be typing in."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt

from tests.ui.conftest import settle
from tests.ui.test_inbox_flows import open_row


def reply_rect(window) -> QRect:
    reply = window.inbox_view.thread_view.reply
    return QRect(reply.mapTo(window.centralWidget(), QPoint(0, 0)), reply.size())


def test_the_undo_toast_sits_above_the_reply_box(qtbot, window, customers) -> None:
    key = customers.say("5511987650001", "Bruno Lima", "STOP")
    window.refresh_all()
    open_row(qtbot, window, key)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Delete)
    settle(qtbot, window)
    toast = window.toast
    assert toast.isVisible() and toast.action_button.text() == "Undo"
    assert not toast.geometry().intersects(reply_rect(window))
    window.resize(1100, 700)  # the toast re-places itself on resize; it must stay clear
    qtbot.waitUntil(lambda: not toast.geometry().intersects(reply_rect(window)), timeout=2000)
    qtbot.wait(20)
    assert not toast.geometry().intersects(reply_rect(window))
    window.grab().save("/tmp/h7-toast.png")
