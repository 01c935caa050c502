"""Consent safety in the reply box (issue 13): no offer reaches someone who stopped offers by accident."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.services.outreach import OVERRIDE_KIND
from tests.ui.conftest import settle
from tests.ui.test_inbox_flows import open_row

ANA = "15550101234"
BIG_SALE = "Big sale: 20% off all croissants"


def _marketing_opted_out(qtbot, window, runtime, customers) -> str:
    key = customers.say(ANA, "Ana Souza", "please stop the promo messages")
    window.refresh_all()
    open_row(qtbot, window, key)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    settle(qtbot, window)
    window.services.review.hold.release_all()  # as when the undo window passes
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)  # the confirmation
    settle(qtbot, window)
    assert runtime.book.consent_state(key)["marketing"].state == "opted_out"
    return key


def test_an_offer_typed_as_an_order_update_is_not_sent_to_a_marketing_opt_out(
    qtbot, window, runtime, customers
):
    key = _marketing_opted_out(qtbot, window, runtime, customers)
    confirmations = list(runtime.sender.sent)
    thread = window.inbox_view.thread_view
    thread.category.setCurrentIndex(thread.category.findData("order_updates"))
    settle(qtbot, window)
    assert not thread.warning.isVisible()  # order updates are allowed as such
    assert thread.consent_line.isVisible()  # but the limit is said right above the reply box
    assert thread.consent_line.text().startswith("⊘ No marketing")
    assert "order updates may be sent" in thread.consent_line.text()

    thread.reply.setPlainText(BIG_SALE)
    qtbot.mouseClick(thread.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: thread.warning.isVisible(), timeout=5000)
    settle(qtbot, window)

    assert runtime.sender.sent == confirmations  # nothing left
    warning = thread.warning.text()
    assert "Not sent" in warning and "“sale”" in warning
    assert "please stop the promo messages" in warning  # how they opted out, and when
    assert "UTC" not in warning  # in the owner's own time, like the rest of the window
    assert thread.send_anyway_button.isVisible()
    assert thread.reply.toPlainText() == BIG_SALE  # the owner's text is kept

    window.grab().save("/tmp/h6_offer_blocked.png")

    qtbot.mouseClick(thread.send_anyway_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: runtime.sender.sent[-1] == (key, BIG_SALE), timeout=5000)
    # the row is written on the book writer after the send returns: wait for it, not only the send
    qtbot.waitUntil(lambda: any(m.text == BIG_SALE for m in runtime.book.thread(key)), timeout=5000)
    settle(qtbot, window)
    [outbound] = [m for m in runtime.book.thread(key) if m.text == BIG_SALE]
    assert outbound.kind == OVERRIDE_KIND  # the owner's choice is kept in the book
    assert outbound.category == "order_updates"


def test_an_edited_reply_needs_the_check_again(qtbot, window, runtime, customers):
    _marketing_opted_out(qtbot, window, runtime, customers)
    thread = window.inbox_view.thread_view
    thread.category.setCurrentIndex(thread.category.findData("order_updates"))
    thread.reply.setPlainText(BIG_SALE)
    qtbot.mouseClick(thread.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: thread.send_anyway_button.isVisible(), timeout=5000)

    thread.reply.setPlainText("Big sale on everything, 30% off")
    assert not thread.send_anyway_button.isVisible()  # the override was for the text the owner read


def test_a_customer_with_no_opt_out_gets_no_consent_line(qtbot, window, customers):
    key = customers.say(ANA, "Ana Souza", "Is the shop open on Sunday?")
    window.refresh_all()
    open_row(qtbot, window, key)
    assert not window.inbox_view.thread_view.consent_line.isVisible()


def test_a_customer_who_stopped_everything_reads_as_stopped_everywhere(qtbot, window, runtime, customers):
    bruno = customers.say("5511987650001", "Bruno Lima", "STOP")
    window.refresh_all()
    open_row(qtbot, window, bruno)
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_Return)
    settle(qtbot, window)
    window.services.review.hold.release_all()
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)
    settle(qtbot, window)
    panel = window.inbox_view.contact
    thread = window.inbox_view.thread_view

    assert panel.reach_line.text().startswith("Send nothing: they asked to stop all messages")
    marketing = panel.findChild(QLabel, "consent_marketing")
    assert "No choice recorded" not in marketing.text()  # not beside "All messages ⊘ Opted out"
    assert thread.consent_line.text() == "⊘ " + panel.reach_line.text()  # one view, both places
    thread.category.setCurrentIndex(thread.category.findData("order_updates"))
    settle(qtbot, window)
    assert "stop all messages" in thread.warning.text()
    assert "order updates messages" not in thread.warning.text()
    assert "Choose another kind" not in thread.warning.text()
    window.grab().save("/tmp/h6_stopped_everything.png")


def test_marie_s_correction_closes_her_stop_and_the_banner_says_so(qtbot, window, customers):
    key = customers.say("33612345678", "Marie Dubois", "STOP")
    customers.say("33612345678", "Marie Dubois", "Pardon, erreur ! START")
    window.refresh_all()
    open_row(qtbot, window, key)
    banner = window.inbox_view.thread_view.banner
    assert banner.isVisible() and "Opt-in" in banner.headline.text()
    assert banner.sentence.text().startswith("Marie Dubois took back their stop request")
    assert "asking to stop" not in banner.details.text()
    assert window.services.review.pending_count() == 1  # her STOP no longer waits
