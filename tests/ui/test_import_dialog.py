"""Consent book → Import…: a Windows-1252, semicolon-separated file previewed, imported, refusals listed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop_app.services.consent_book import ConsentFilter
from desktop_app.ui.import_dialog import ALL_OR_NOTHING, ImportDialog
from desktop_app.ui.main_window import BOOK
from tests.ui.conftest import settle

# What a Western Windows spreadsheet saves as "CSV": cp1252 bytes, semicolons, CRLF.
EXCEL_ROWS = [
    "phone;name;category;opted_out_at",
    "+33612345601;José Pérez;marketing;2025-06-01",
    "+33612345602;Françoise Müller;all;2025-06-02",
    "not a number;Zoë;marketing;2025-06-03",
    "+33612345604;Ångström;newsletter;2025-06-04",
    "+33612345605;Ana Souza;marketing;2025-06-05",
]


def excel_file(folder: Path) -> Path:
    path = folder / "opt-outs from the old tool.csv"
    path.write_bytes("\r\n".join(EXCEL_ROWS).encode("cp1252") + b"\r\n")
    return path


def open_import(qtbot, window) -> ImportDialog:
    window.tabs.setCurrentIndex(BOOK)
    settle(qtbot, window)
    view = window.book_view
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    dialog = view.import_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_import_previews_imports_and_lists_every_refused_line(qtbot, window, tmp_path):
    path = excel_file(tmp_path)
    dialog = open_import(qtbot, window)
    assert dialog.note.text() == ALL_OR_NOTHING  # the dialog says a cancelled import keeps nothing
    assert not dialog.import_button.isEnabled()  # nothing chosen yet

    chooser = dialog.choose_file()
    assert isinstance(chooser, QFileDialog)
    chooser.selectFile(str(path))
    chooser.accept()
    settle(qtbot, window)

    assert "Windows Western (cp1252)" in dialog.format_label.text()
    assert "semicolons" in dialog.format_label.text()
    table = dialog.preview_table
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == EXCEL_ROWS[0].split(";")
    assert table.rowCount() == 5
    assert table.verticalHeaderItem(0).text() == "line 2"
    assert table.item(1, 1).text() == "Françoise Müller"  # decoded, not mojibake
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.imported, timeout=10_000) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert dialog.close_button.text() == "Cancel import"
    report = done.args[0]
    assert report.imported == 3
    refused = dialog.refused_table
    lines = [(refused.item(r, 0).text(), refused.item(r, 1).text()) for r in range(refused.rowCount())]
    assert [line for line, _ in lines] == ["4", "5"]
    assert "newsletter" in lines[1][1]
    assert dialog.result_label.text().startswith("⚠ Imported 3 opt-outs.")
    assert "2 lines were not imported" in dialog.result_label.text()
    assert dialog.close_button.text() == "Close"
    if os.environ.get("CONSENT_DESK_SCREENSHOTS") == "1":  # the README's picture of this dialog
        dialog.grab().save(str(Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "import.png"))

    settle(qtbot, window)
    consent = window.services.consent_book
    assert consent.count_consent(ConsentFilter.OPTED_OUT) == 3
    assert window.book_view.model.rowCount() == 3  # the table refreshed after the import


def test_importing_the_same_file_again_changes_nothing(qtbot, window, tmp_path):
    path = excel_file(tmp_path)
    dialog = open_import(qtbot, window)
    for expected_new in (3, 0):
        dialog.load(path)
        settle(qtbot, window)
        with qtbot.waitSignal(dialog.imported, timeout=10_000) as done:
            dialog.start_import()
        assert done.args[0].imported == expected_new
    assert done.args[0].skipped_duplicates == 3
    assert "3 were already recorded" in dialog.result_label.text()


def test_a_cancelled_import_commits_nothing(qtbot, window, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("phone\n" + "".join(f"+1555{i:07d}\n" for i in range(5000)), encoding="utf-8")
    dialog = open_import(qtbot, window)
    dialog.load(path)
    settle(qtbot, window)
    hold = threading.Event()
    window.services.writer.submit(hold.wait)  # the writer is busy: the import waits its turn
    try:
        dialog.start_import()
        assert dialog.running
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # "Cancel import"
        assert dialog.isVisible()  # it stays open to say what happened
        assert dialog.result_label.text() == "Cancelling… nothing from this file will be kept."
    finally:
        hold.set()
    settle(qtbot, window)
    assert dialog.result_label.text() == "Import cancelled. Nothing from big.csv was imported."
    assert not dialog.running and dialog.close_button.text() == "Close"
    assert window.services.consent_book.count_consent(ConsentFilter.OPTED_OUT) == 0


def test_a_file_without_a_phone_column_cannot_be_imported(qtbot, window, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("first name,last name\nAna,Souza\n", encoding="utf-8")
    dialog = open_import(qtbot, window)
    dialog.load(path)
    settle(qtbot, window)
    assert dialog.format_label.text().startswith("⚠ This file cannot be imported: no phone column")
    assert not dialog.import_button.isEnabled()
