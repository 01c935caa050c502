"""Every item model passes Qt's QAbstractItemModelTester, and pages instead of loading everything."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.services.consent_book import ConsentFilter
from desktop_app.services.conversations import ConversationFilter
from desktop_app.services.ui_services import ui_services_for
from desktop_app.ui.models.consent_table import ConsentTableModel
from desktop_app.ui.models.conversations import ConversationListModel
from desktop_app.ui.models.detections import DetectionTableModel
from desktop_app.ui.models.paged import ItemRole
from desktop_app.ui.models.thread import ThreadModel


def fill(customers, count: int) -> list[str]:
    return [
        customers.say(f"1555010{i:04d}", f"Customer {i}", "STOP" if i % 3 == 0 else "hello")
        for i in range(count)
    ]


def test_conversation_model_pages_and_passes_the_model_tester(qtmodeltester, runtime, customers):
    keys = fill(customers, 25)
    services = ui_services_for(runtime)
    model = ConversationListModel(services.conversations, page_size=10)
    model.reload()
    assert model.rowCount() == 10 and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 25 and not model.canFetchMore()
    assert [item.contact_key for item in model.items()] == list(reversed(keys))  # newest first
    first = model.index(0, 0)
    assert model.data(first, ItemRole).contact_key == keys[-1]
    assert model.data(first, Qt.ItemDataRole.AccessibleTextRole).startswith("Customer 24")
    qtmodeltester.check(model, force_py=True)

    model.set_query(ConversationFilter.NEEDS_REVIEW, "")
    assert model.rowCount() == 9
    described = model.data(model.index(0, 0), Qt.ItemDataRole.AccessibleTextRole)
    assert "opt-out request waiting for review: STOP" in described


def test_detection_and_consent_models_pass_the_model_tester(qtmodeltester, runtime, customers):
    fill(customers, 12)
    services = ui_services_for(runtime)
    queue = services.review
    review = DetectionTableModel(lambda after, limit: queue.pending(after=after, limit=limit), page_size=3)
    review.reload()
    assert review.rowCount() == 3
    qtmodeltester.check(review, force_py=True)  # fetches the rest through canFetchMore/fetchMore
    while review.canFetchMore():
        review.fetchMore()
    assert review.rowCount() == 4
    assert review.data(review.index(0, 2)) == "“STOP”"
    assert review.data(review.index(0, 3)) == "Stop · everything"

    chosen = [d.id for d in review.items()]
    services.writer.submit(lambda: queue.confirm_many(chosen)).result(timeout=10)
    consent = ConsentTableModel(services.consent_book, page_size=3)
    consent.set_query(ConsentFilter.OPTED_OUT, "")
    qtmodeltester.check(consent, force_py=True)
    assert consent.total() == 4
    assert consent.data(consent.index(0, 2)) == "Opted out"  # a column per category: they stopped everything
    assert consent.headerData(2, Qt.Orientation.Horizontal) == "All messages"


def test_thread_model_passes_the_model_tester(qtmodeltester, runtime, customers):
    key = customers.say("15550101234", "Ana Souza", "Hello")
    customers.say("15550101234", "Ana Souza", "STOP")
    model = ThreadModel()
    model.set_messages(runtime.book.thread(key))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 2
    assert model.data(model.index(1, 0)).endswith("STOP (flagged as an opt-out request)")
