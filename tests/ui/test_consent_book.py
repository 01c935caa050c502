"""Consent book view: a column per category, lazy paging, history, verify, CSV/JSON export and cancel."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

import desktop_app.services.exports as exports_module
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.exchange import CONSENT_EXPORT
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.main_window import BOOK
from tests.ui.conftest import settle, write

ROWS = 3000


@pytest.fixture
def filled(runtime):
    """ROWS imported opt-outs plus one customer who opted out in the chat."""
    base = datetime.now(UTC) - timedelta(days=30)
    with runtime.book.unit_of_work() as uow:
        for i in range(ROWS):
            uow.append_event(
                NewConsentEvent(
                    f"+1555{i:07d}",
                    "marketing",
                    ConsentAction.OPT_OUT,
                    base + timedelta(seconds=i),
                    EventSource.IMPORT,
                    "import:customers.csv",
                )
            )
    return runtime


def show_book(qtbot, window):
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == BOOK
    settle(qtbot, window)
    return window.book_view


def test_the_table_loads_page_by_page(qtbot, filled, window):
    view = show_book(qtbot, window)
    assert view.count.text() == f"{ROWS:,} customers"
    assert view.model.rowCount() == 200  # one page, not the whole book
    assert view.model.canFetchMore()
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() > 200)
    assert view.model.rowCount() < ROWS


def test_search_and_filter(qtbot, filled, window, customers):
    key = customers.say("15550101234", "Ana Souza", "STOP")
    window.refresh_all()
    review = window.services.review
    write(window.services, lambda: review.confirm(review.pending().items[0].id))
    view = show_book(qtbot, window)
    qtbot.keyClicks(view.search, "ana sou")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.item(0).contact_key == key
    settle(qtbot, window)  # the count is its own read, off the UI thread: it may arrive after the rows
    assert view.count.text() == "1 customer"
    view.search.clear()
    view.filter.setCurrentIndex(view.filter.findData("opted_in"))
    settle(qtbot, window)
    assert view.model.rowCount() == 0


def test_double_click_shows_the_full_history_with_evidence(qtbot, window, customers):
    key = customers.say("15550101234", "Ana Souza", "please stop the promo messages")
    review = window.services.review
    write(window.services, lambda: review.confirm(review.pending().items[0].id))
    view = show_book(qtbot, window)
    rect = view.table.visualRect(view.model.index(0, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(qtbot, window)
    dialog = view.findChild(HistoryDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "History — Ana Souza"
    entry = dialog.list.item(0).text()
    assert "Opted out of marketing" in entry and "decided by you" in entry
    assert "“please stop the promo messages”" in entry
    assert "Confirmation" in entry  # the confirmation's delivery is part of the story
    assert view.model.item(0).contact_key == key
    dialog.close()


def test_verify_history_reports_intact(qtbot, filled, window):
    view = show_book(qtbot, window)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert view.verify_result.text() == f"✓ History intact: all {ROWS:,} entries check out."


def test_export_through_the_file_dialog_with_progress(qtbot, filled, window, tmp_path):
    view = show_book(qtbot, window)
    target = tmp_path / "book.csv"
    ticks: list[tuple[int, int]] = []

    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    chooser = view.findChild(QFileDialog, "exportFileDialog")
    assert chooser is not None
    chooser.selectFile(str(target))
    with qtbot.waitSignal(view.export_finished, timeout=20_000) as finished:
        chooser.accept()
        assert view.progress is not None and view.progress.isVisible()
        view.job.progress.connect(lambda done, total: ticks.append((done, total)))

    rows, cancelled, error = finished.args
    assert (rows, cancelled, error) == (ROWS, False, "")
    with target.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == CONSENT_EXPORT.names
    assert len(lines) == ROWS + 2 and lines[-1][0] == "#anchor"  # header, rows, the anchor trailer
    assert max(ticks) == (ROWS, ROWS)
    assert not (tmp_path / "book.csv.part").exists()
    assert view.progress is None and view.export_button.isEnabled()
    assert window.status.currentMessage() == f"Exported {ROWS:,} rows."


def test_cancelling_an_export_leaves_no_file(qtbot, filled, window, tmp_path):
    view = show_book(qtbot, window)
    target = tmp_path / "book.csv"
    with qtbot.waitSignal(view.export_finished, timeout=20_000) as finished:
        view.export_to(target)
        cancel = view.progress.findChild(QPushButton)
        assert cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the owner changes their mind at once

    rows, cancelled, error = finished.args
    assert cancelled and error == "" and rows <= ROWS
    assert not target.exists() and not (tmp_path / "book.csv.part").exists()
    assert window.status.currentMessage() == "Export cancelled; the partial file was removed."


def test_a_filtered_export_writes_only_what_is_shown(qtbot, filled, window, customers, tmp_path, monkeypatch):
    monkeypatch.setattr(exports_module, "EXPORT_PAGE", 7)  # several pages even for a short list
    for i in range(10):
        customers.say(f"4915110000{i:03d}", f"=HYPERLINK(evil{i})", "STOP")
    review = window.services.review
    write(window.services, lambda: review.confirm_many([d.id for d in review.pending(limit=50).items]))
    view = show_book(qtbot, window)
    qtbot.keyClicks(view.search, "HYPERLINK")
    qtbot.waitUntil(lambda: view.count.text() == "10 customers")
    target = tmp_path / "filtered.csv"
    with qtbot.waitSignal(view.export_finished, timeout=20_000) as finished:
        view.export_to(target)
    assert finished.args == [10, False, ""]
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert all(row["name"].startswith("'=HYPERLINK") for row in rows)  # never a live formula
    assert {row["state"] for row in rows} == {"opted_out"}


def test_verify_history_reports_where_it_was_altered(qtbot, window, runtime, customers):
    import sqlite3

    key = customers.say("15550101234", "Ana Souza", "STOP")
    review = window.services.review
    write(window.services, lambda: review.confirm(review.pending().items[0].id))
    with sqlite3.connect(runtime.book.path) as raw:  # someone edits the file behind the app's back
        raw.execute("DROP TRIGGER consent_events_no_update")
        raw.execute("UPDATE consent_events SET action = 'opt_in' WHERE contact_key = ?", (key,))
    raw.close()
    view = show_book(qtbot, window)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    text = view.verify_result.text()
    assert text.startswith("⚠ The history was altered at entry 1")
    assert "Restore a backup" in text


def test_one_row_per_customer_and_one_column_per_category(qtbot, window, services, runtime):
    """UX.md: name, number, one column per category (✅ / ⛔ / —), since, source."""
    base = datetime.now(UTC) - timedelta(days=3)
    choices = [
        ("+15550100001", "marketing", ConsentAction.OPT_OUT, 0),
        ("+15550100001", "order_updates", ConsentAction.OPT_IN, 1),
        ("+15550100002", "all", ConsentAction.OPT_OUT, 2),
    ]

    def record() -> None:  # on the book writer: the test's thread may not write
        with runtime.book.unit_of_work() as uow:
            for key, category, action, minutes in choices:
                when = base + timedelta(minutes=minutes)
                uow.append_event(NewConsentEvent(key, category, action, when, EventSource.MANUAL, "owner"))

    write(services, record)
    view = show_book(qtbot, window)
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Name", "Number", "All messages", "Marketing", "Order updates", "Since", "How"]
    assert model.rowCount() == 2 and view.count.text() == "2 customers"
    cells = {
        model.item(r).contact_key: [model.data(model.index(r, c)) for c in (2, 3, 4)]
        for r in range(model.rowCount())
    }
    assert cells["+15550100001"] == ["—", "Opted out", "Opted in"]
    assert cells["+15550100002"] == ["Opted out"] * 3  # stopping everything stops every category
    marks = [model.data(model.index(0, c), Qt.ItemDataRole.DecorationRole) for c in (2, 3, 4)]
    assert all(mark is not None and not mark.isNull() for mark in marks)  # the ⛔ icon, in any font
    latest = model.item(0)
    assert latest.contact_key == "+15550100002"  # latest change first
    assert model.data(model.index(0, 5)) != "" and model.data(model.index(0, 6)) != ""
    tip = model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Marketing: Opted out (of all messages)"
    accessible = model.data(model.index(1, 2), Qt.ItemDataRole.AccessibleTextRole)
    assert accessible == "All messages: No choice recorded"
    view.filter.setCurrentIndex(view.filter.findData("opted_in"))
    settle(qtbot, window)
    assert [model.item(r).contact_key for r in range(model.rowCount())] == ["+15550100001"]


def test_json_export_of_the_whole_book_with_progress(qtbot, filled, window, tmp_path, memory_keyring):
    memory_keyring.set_password("consent-desk", "meta.access_token", "EAAsecret-token-value")
    view = show_book(qtbot, window)
    target = tmp_path / "book.json"
    ticks: list[tuple[int, int]] = []
    with qtbot.waitSignal(view.export_finished, timeout=20_000) as finished:
        view.export_to(target)
        view.job.progress.connect(lambda done, total: ticks.append((done, total)))
    assert finished.args == [ROWS, False, ""]
    text = target.read_text(encoding="utf-8")
    assert "EAAsecret" not in text  # secrets live in the keychain only, never in an export
    items = json.loads(text)
    rows, anchor = items[:-1], items[-1]
    assert len(rows) == ROWS and set(anchor) == {"anchor"}
    assert set(rows[0]) == set(CONSENT_EXPORT.names)
    assert {row["state"] for row in rows} == {"opted_out"}
    assert max(ticks) == (ROWS, ROWS)
    assert window.status.currentMessage() == f"Exported {ROWS:,} rows."


def test_a_filtered_json_export_writes_only_what_is_shown(qtbot, filled, window, customers, tmp_path):
    customers.say("15550101234", "Ana \"Souza\"", "STOP")
    review = window.services.review
    write(window.services, lambda: review.confirm(review.pending().items[0].id))
    view = show_book(qtbot, window)
    qtbot.keyClicks(view.search, "souza")
    qtbot.waitUntil(lambda: view.count.text() == "1 customer")
    target = tmp_path / "ana.json"
    with qtbot.waitSignal(view.export_finished, timeout=20_000) as finished:
        view.export_to(target)
    assert finished.args == [1, False, ""]
    (row,) = json.loads(target.read_text(encoding="utf-8"))
    assert row["contact_key"] == "+15550101234" and row["name"] == 'Ana "Souza"'
    assert row["state"] == "opted_out"


def test_the_export_dialog_offers_csv_and_json(qtbot, window):
    view = show_book(qtbot, window)
    chooser = view.ask_export_path()
    assert chooser.nameFilters() == ["Spreadsheet, CSV (*.csv)", "JSON (*.json)"]
    chooser.selectNameFilter("JSON (*.json)")
    chooser.filterSelected.emit("JSON (*.json)")
    assert chooser.defaultSuffix() == "json"
    chooser.reject()
