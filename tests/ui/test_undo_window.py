"""Undo after Confirm (issue 13): possible while the confirmation is held; after it left, said plainly."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.services.confirmation_hold import ConfirmationHold
from desktop_app.ui.contact_panel import history_line
from tests.ui.conftest import settle
from tests.ui.test_inbox_flows import open_row

BRUNO = "5511987650001"


class ManualTimer:
    """The undo window's timer, fired by the test instead of the wall clock."""

    def __init__(self) -> None:
        self.due: list[Callable[[], None]] = []
        self.seconds: list[float] = []

    def __call__(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        self.seconds.append(seconds)
        self.due.append(callback)
        return lambda: self.due.remove(callback) if callback in self.due else None

    def fire(self) -> None:
        for callback in list(self.due):
            callback()


def _held_window(window, runtime) -> ManualTimer:
    timer = ManualTimer()
    window.services.review.hold = ConfirmationHold(runtime.pipeline.confirm_later, schedule=timer)
    return timer


def _confirm_stop(qtbot, window, customers) -> str:
    key = customers.say(BRUNO, "Bruno Lima", "STOP")
    window.refresh_all()
    open_row(qtbot, window, key)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    settle(qtbot, window)
    return key


def test_ctrl_z_inside_the_undo_window_takes_back_an_unsent_confirmation(qtbot, window, runtime, customers):
    timer = _held_window(window, runtime)
    key = _confirm_stop(qtbot, window, customers)
    assert runtime.book.consent_state(key)["all"].state == "opted_out"
    assert runtime.sender.sent == []  # held for the undo window
    assert timer.seconds == [10.0]

    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    timer.fire()
    settle(qtbot, window)

    assert runtime.book.consent_state(key)["all"].state == "opted_in"
    assert runtime.sender.sent == []  # the customer was never told "no more messages"
    _opt_out, reversal = runtime.book.history(key)
    line = history_line(reversal)
    assert "ledger event" not in line and "detection" not in line
    assert "undid" in line.lower()


def test_after_the_confirmation_left_ctrl_z_tells_the_owner_only_the_customer_can_opt_back_in(
    qtbot, window, runtime, customers
):
    timer = _held_window(window, runtime)
    key = _confirm_stop(qtbot, window, customers)
    timer.fire()  # the window passed: the confirmation leaves
    qtbot.waitUntil(lambda: [to for to, _text in runtime.sender.sent] == [key], timeout=5000)

    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)

    assert runtime.book.consent_state(key)["all"].state == "opted_out"  # no silent opt-in
    assert len(runtime.book.history(key)) == 1
    shown = window.status.currentMessage()
    assert "Only Bruno Lima can opt back in" in shown and "START" in shown
    panel = window.inbox_view.contact
    qtbot.waitUntil(lambda: panel.findChild(QLabel, "consent_all").isVisible(), timeout=2000)
    window.grab().save("/tmp/h6_undo_refused.png")


def test_the_next_decision_lets_the_held_confirmation_go(qtbot, window, runtime, customers):
    _held_window(window, runtime)
    key = _confirm_stop(qtbot, window, customers)
    other = customers.say("5511987650002", "Carla Dias", "STOP")
    window.refresh_all()
    open_row(qtbot, window, other)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [to for to, _text in runtime.sender.sent] == [key], timeout=5000)


def test_closing_the_window_lets_held_confirmations_go(qtbot, window, runtime, customers):
    _held_window(window, runtime)
    key = _confirm_stop(qtbot, window, customers)
    assert runtime.sender.sent == []
    window.shutdown()
    qtbot.waitUntil(lambda: [to for to, _text in runtime.sender.sent] == [key], timeout=5000)
