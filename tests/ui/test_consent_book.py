"""Consent book view: lazy paging, history on double click, verify, CSV export with progress and cancel."""

from __future__ import annotations

import csv
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
    assert view.count.text() == f"{ROWS:,} recorded choices"
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
    assert view.count.text() == "1 recorded choice"
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
    assert view.verify_result.text() == f"✅ History intact: all {ROWS:,} entries check out."


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
    qtbot.waitUntil(lambda: view.count.text() == "10 recorded choices")
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
