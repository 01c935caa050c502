"""The conversation list does not re-sort under the owner's own clicks; a new message re-sorts it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.ui.inbox_view import in_previous_order
from tests.ui.conftest import settle
from tests.ui.test_inbox_flows import open_row


def order(window) -> list[str]:
    return [item.contact_key for item in window.inbox_view.model.items()]


def test_replying_keeps_the_row_where_the_owner_clicked(qtbot, window, runtime, customers) -> None:
    ana = customers.say("15550101234", "Ana Souza", "Is the shop open on Sunday?")
    bruno = customers.say("5511987650001", "Bruno Lima", "Vocês têm pão sem glúten?")
    window.refresh_all()
    settle(qtbot, window)
    assert order(window) == [bruno, ana]
    open_row(qtbot, window, ana)
    thread = window.inbox_view.thread_view
    thread.category.setCurrentIndex(thread.category.findData("order_updates"))
    thread.reply.setPlainText("Yes, 8 to 13h!")
    settle(qtbot, window)
    qtbot.mouseClick(thread.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)
    qtbot.waitUntil(lambda: not thread.reply.toPlainText(), timeout=5000)
    settle(qtbot, window)
    assert order(window) == [bruno, ana]  # Ana's reply is newer, but her row stays under the pointer
    assert window.inbox_view.list.currentIndex().row() == 1

    customers.say("34600100200", "Lucía Pérez", "¿Puedo pasar a las 5?")
    qtbot.waitUntil(lambda: len(order(window)) == 3, timeout=5000)
    settle(qtbot, window)
    # a new message re-sorts, newest first: Ana's reply (sent just now) is newer than the test's messages
    assert order(window) == [ana, "+34600100200", bruno]
    assert window.inbox_view.contact_key == ana


def test_rows_new_to_the_list_come_first_and_the_rest_keep_their_places() -> None:
    class Row:
        def __init__(self, key: str) -> None:
            self.contact_key = key

    read = [Row(k) for k in ("c", "a", "b")]
    assert [r.contact_key for r in in_previous_order(read, ["b", "a"])] == ["c", "b", "a"]
