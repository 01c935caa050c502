"""Review queue (one by one, bulk, undo) and automatic mode (applied, listed, reversed)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from desktop_app.ui.main_window import AUTO, REVIEW
from tests.ui.conftest import settle

PEOPLE = (("15550101234", "Ana Souza"), ("5511987650001", "Bruno Lima"), ("34600100200", "Lucía Pérez"))


def test_review_lists_oldest_first_and_bulk_confirms(qtbot, window, runtime, customers):
    keys = [customers.say(number, name, "STOP") for number, name in PEOPLE]
    customers.say("4915110000001", "Tom Becker", "Habt ihr morgen Laugenbrezeln?")  # not a request
    window.refresh_all()
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    review = window.review_view
    assert window.tabs.currentIndex() == REVIEW
    assert [review.model.item(r).contact_key for r in range(review.model.rowCount())] == keys
    assert review.heading.text() == "3 requests waiting for your decision"

    qtbot.keyClick(review.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert review.confirm_button.text().startswith("Confirm 3 requests")
    qtbot.mouseClick(review.confirm_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)

    for key in keys:
        [event] = runtime.book.history(key)
        assert event.action.value == "opt_out" and event.decided_by == "owner"
    assert review.stack.currentWidget() is review.empty
    assert review.empty.text().startswith("All clear")
    assert window.status.pending.text() == "Nothing to review ✓"
    window.services.review.hold.release_all()  # the undo window passes
    qtbot.waitUntil(lambda: sorted(to for to, _ in runtime.sender.sent) == sorted(keys), timeout=5000)


def test_review_dismissal_has_an_undo_toast(qtbot, window, runtime, customers):
    key = customers.say(*PEOPLE[0][:1], PEOPLE[0][1], "stop sending me offers")
    window.refresh_all()
    window.tabs.setCurrentIndex(REVIEW)
    settle(qtbot, window)
    review = window.review_view
    review.table.selectRow(0)
    detection_id = review.selected()[0].id

    qtbot.keyClick(review.table, Qt.Key.Key_Delete)
    settle(qtbot, window)

    assert runtime.book.detection(detection_id).status == "dismissed"
    assert review.model.rowCount() == 0
    assert window.toast.isVisible() and "Ana Souza" in window.toast.label.text()
    qtbot.mouseClick(window.toast.action_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert runtime.book.detection(detection_id).status == "pending"
    assert review.model.item(0).contact_key == key
    assert not window.toast.isVisible()


def test_enter_in_review_confirms_only_the_selected_request(qtbot, window, runtime, customers):
    keys = [customers.say(number, name, "STOP") for number, name in PEOPLE[:2]]
    window.refresh_all()
    window.tabs.setCurrentIndex(REVIEW)
    settle(qtbot, window)
    window.review_view.table.selectRow(1)
    qtbot.keyClick(window.review_view.table, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert runtime.book.history(keys[0]) == []
    assert len(runtime.book.history(keys[1])) == 1


def test_automatic_mode_applies_lists_and_can_be_reversed(qtbot, window, runtime, customers):
    dialog = window.open_settings(tab=1)
    assert "Applied automatically" in dialog.automatic.findChildren(type(dialog.error))[0].text()
    checkbox = dialog.automatic.enabled
    qtbot.mouseClick(checkbox, Qt.MouseButton.LeftButton, pos=QPoint(8, checkbox.height() // 2))
    assert checkbox.isChecked()
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert runtime.settings.auto_mode is True

    key = customers.say("15550101234", "Ana Souza", "STOP")
    window.refresh_all()
    settle(qtbot, window)

    assert runtime.book.consent_state(key)["all"].state == "opted_out"
    assert window.services.review.pending_count() == 0
    qtbot.waitUntil(lambda: [to for to, _ in runtime.sender.sent] == [key], timeout=5000)  # no asking
    window.tabs.setCurrentIndex(AUTO)
    settle(qtbot, window)
    auto = window.auto_view
    assert auto.explanation.text().startswith("Automatic mode is ON:")
    assert auto.model.rowCount() == 1 and auto.model.item(0).contact_key == key

    auto.table.selectRow(0)
    qtbot.mouseClick(auto.reverse_button, Qt.MouseButton.LeftButton)
    box = auto.findChild(QMessageBox, "reverseQuestion")
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    settle(qtbot, window)

    original, reversal = runtime.book.history(key)
    assert original.decided_by.startswith("auto:")
    assert reversal.source.value == "reversal" and reversal.decided_by == "owner"
    assert runtime.book.consent_state(key)["all"].state == "opted_in"
    assert auto.model.rowCount() == 0
    assert runtime.book.verify().ok


def test_a_huge_queue_is_read_in_bounded_pieces(qtbot, window, runtime, customers, monkeypatch):
    import desktop_app.services.review as review_module

    monkeypatch.setattr(review_module, "PENDING_CAP", 3)
    keys = [customers.say(f"1555010{i:04d}", f"C{i}", "STOP") for i in range(5)]
    window.refresh_all()
    settle(qtbot, window)
    assert window.services.review.pending_label() == "3+"
    assert window.tabs.tabText(REVIEW) == "Review (3+)"
    assert window.status.pending.text() == "⚠ 3+ to review"
    page = window.services.review.pending(after=2, limit=3)  # beyond the cached oldest: from the book
    assert [d.contact_key for d in page.items] == keys[2:]
    window.tabs.setCurrentIndex(REVIEW)
    settle(qtbot, window)
    review = window.review_view
    while review.model.canFetchMore():
        review.model.fetchMore()  # the next page is read off the UI thread
        settle(qtbot, window)
    assert [review.model.item(r).contact_key for r in range(review.model.rowCount())] == keys
