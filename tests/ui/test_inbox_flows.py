"""The owner's daily flows in the Inbox, driven through the real window, book, pipeline and outbox."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.ui.consent_change_dialog import ConsentChangeDialog
from tests.ui.conftest import settle

ANA = "15550101234"
BRUNO = "5511987650001"


def open_row(qtbot, window, contact_key: str) -> None:
    settle(qtbot, window)
    view = window.inbox_view
    row = view.model.row_for_contact(contact_key)
    assert row >= 0, f"{contact_key} is not in the conversation list"
    rect = view.list.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.contact_key == contact_key
    settle(qtbot, window)


def test_a_pending_opt_out_stands_out_and_enter_confirms_it(qtbot, window, runtime, customers):
    customers.say(ANA, "Ana Souza", "Hi, is the shop open on Sunday?")
    key = customers.say(
        ANA, "Ana Souza", "Also, please stop the promo messages, I only want my order updates"
    )
    window.refresh_all()
    settle(qtbot, window)

    item = window.inbox_view.model.item(window.inbox_view.model.row_for_contact(key))
    assert item.pending_reviews == 1
    assert item.preview == "stop the promo messages"  # the trigger words, not the whole message
    assert window.tabs.tabText(1) == "Review (1)"

    open_row(qtbot, window, key)
    banner = window.inbox_view.thread_view.banner
    assert banner.isVisible()
    assert "marketing only" in banner.headline.text()
    assert (
        banner.sentence.text() == "Ana Souza asked to stop promotional messages. Order updates can continue."
    )

    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    settle(qtbot, window)

    state = runtime.book.consent_state(key)
    assert state["marketing"].state == "opted_out"
    assert state["order_updates"].state == "unknown"
    [event] = runtime.book.history(key)
    assert event.decided_by == "owner"
    assert event.evidence_text.startswith("Also, please stop the promo messages")
    # one confirmation goes out, from the confirmation thread (the window never waits on it)
    window.services.review.hold.release_all()  # the undo window passes
    qtbot.waitUntil(lambda: [to for to, _text in runtime.sender.sent] == [key], timeout=5000)
    assert not banner.isVisible()
    assert window.tabs.tabText(1) == "Review"
    assert window.services.review.pending_count() == 0


def test_delete_dismisses_and_the_toast_undoes_it(qtbot, window, runtime, customers):
    key = customers.say(BRUNO, "Bruno Lima", "STOP")
    window.refresh_all()
    open_row(qtbot, window, key)
    detection_id = window.inbox_view.current_detection_id()

    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Delete)
    settle(qtbot, window)

    assert runtime.book.detection(detection_id).status == "dismissed"
    assert runtime.book.history(key) == []  # a dismissal writes no consent event
    assert window.toast.isVisible()
    assert window.toast.action_button.text() == "Undo"

    qtbot.mouseClick(window.toast.action_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)

    assert runtime.book.detection(detection_id).status == "pending"
    assert window.inbox_view.thread_view.banner.isVisible()
    assert window.services.review.pending_count() == 1


def test_ctrl_z_undoes_a_confirmation_with_a_new_ledger_event(qtbot, window, runtime, customers):
    key = customers.say(BRUNO, "Bruno Lima", "STOP")
    window.refresh_all()
    open_row(qtbot, window, key)
    qtbot.mouseClick(window.inbox_view.thread_view.banner.confirm_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert runtime.book.consent_state(key)["all"].state == "opted_out"

    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)

    opt_out, reversal = runtime.book.history(key)
    assert opt_out.action.value == "opt_out"
    assert reversal.source.value == "reversal" and reversal.decided_by == "owner"
    assert runtime.book.consent_state(key)["all"].state == "opted_in"
    assert runtime.book.verify().ok


def test_sending_marketing_to_an_opted_out_customer_is_stopped_before_it_leaves(
    qtbot, window, runtime, customers
):
    key = customers.say(ANA, "Ana Souza", "please stop the promo messages")
    window.refresh_all()
    open_row(qtbot, window, key)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    settle(qtbot, window)
    window.services.review.hold.release_all()  # the undo window passes
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)  # the confirmation
    confirmations = list(runtime.sender.sent)
    thread = window.inbox_view.thread_view

    thread.category.setCurrentIndex(thread.category.findData("marketing"))
    thread.reply.setPlainText("20% off croissants this weekend!")
    settle(qtbot, window)

    assert thread.warning.isVisible()
    assert "Not sent" in thread.warning.text() and "since" in thread.warning.text()
    assert not thread.send_button.isEnabled()
    qtbot.keyClick(thread.reply, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert runtime.sender.sent == confirmations  # nothing left

    thread.category.setCurrentIndex(thread.category.findData("order_updates"))
    settle(qtbot, window)
    assert not thread.warning.isVisible()
    thread.reply.setPlainText("Your order is ready for pickup.")
    qtbot.mouseClick(thread.send_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: runtime.sender.sent[-1] == (key, "Your order is ready for pickup."), timeout=5000)
    qtbot.waitUntil(lambda: thread.reply.toPlainText() == "", timeout=5000)
    assert thread.reply.toPlainText() == ""
    qtbot.waitUntil(lambda: thread.model.messages()[-1].text == "Your order is ready for pickup.")


def test_manual_opt_out_with_a_reason(qtbot, window, runtime, customers):
    key = customers.say(ANA, "Ana Souza", "Hi, is the shop open on Sunday?")
    window.refresh_all()
    open_row(qtbot, window, key)

    qtbot.mouseClick(window.inbox_view.contact.change_button, Qt.MouseButton.LeftButton)
    dialog = window.inbox_view.findChild(ConsentChangeDialog, "consentChangeDialog")
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()  # a reason is required
    dialog.category.setCurrentIndex(dialog.category.findData("marketing"))
    qtbot.keyClicks(dialog.reason, "asked at the counter")
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    settle(qtbot, window)

    [event] = runtime.book.history(key)
    assert (event.category, event.action.value, event.source.value) == ("marketing", "opt_out", "manual")
    assert event.note == "asked at the counter" and event.decided_by == "owner"
    label = window.inbox_view.contact.findChild(type(window.inbox_view.contact.name), "consent_marketing")
    assert "Opted out" in label.text()
    assert window.inbox_view.contact.history.count() == 1


def test_search_and_filters_narrow_the_list(qtbot, window, customers):
    customers.say(ANA, "Ana Souza", "STOP")
    customers.say(BRUNO, "Bruno Lima", "Bom dia!")
    window.refresh_all()
    settle(qtbot, window)
    view = window.inbox_view
    assert view.model.rowCount() == 2

    qtbot.mouseClick(view.filter_group.button(1), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert [i.name for i in view.model.items()] == ["Ana Souza"]

    qtbot.mouseClick(view.filter_group.button(0), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.search, "bruno")
    qtbot.waitUntil(lambda: [i.name for i in view.model.items()] == ["Bruno Lima"])


def test_j_and_k_move_between_conversations(qtbot, window, customers):
    for number, name in ((ANA, "Ana Souza"), (BRUNO, "Bruno Lima"), ("34600100200", "Lucía Pérez")):
        customers.say(number, name, "Hello")
    window.refresh_all()
    view = window.inbox_view
    open_row(qtbot, window, "+" + BRUNO)  # the middle row
    row = view.list.currentIndex().row()

    qtbot.keyClick(view.list, Qt.Key.Key_J)
    settle(qtbot, window)
    assert view.list.currentIndex().row() == row + 1
    assert view.contact_key == view.model.item(row + 1).contact_key
    qtbot.keyClick(view.list, Qt.Key.Key_K)
    settle(qtbot, window)
    qtbot.keyClick(view.list, Qt.Key.Key_K)
    settle(qtbot, window)
    assert view.list.currentIndex().row() == row - 1
