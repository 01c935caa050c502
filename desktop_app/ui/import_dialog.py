"""Consent book → Import…: pick a file, see how it reads, import (progress, Cancel), see refused lines."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.records import ImportCancelledError, ImportPreview, ImportReport
from desktop_app.services.imports import ImportService, format_words
from desktop_app.ui.ops import Ops, plain_failure

ALL_OR_NOTHING = (
    "Nothing is saved until the whole file has been read: if you cancel, or the file cannot be read "
    "to its end, nothing from it is imported. Importing the same file again changes nothing."
)


class ImportDialog(QDialog):
    """Each good row becomes an opt-out (the CLI import's rules); the import runs on the book writer."""

    imported = Signal(object)  # the ImportReport of a finished import
    _progress = Signal(int, int)  # emitted from the book writer's thread; delivered queued

    def __init__(
        self, imports: ImportService, ops: Ops, start_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import opt-outs")
        self.setMinimumSize(720, 560)
        self.imports = imports
        self.ops = ops
        self.start_dir = start_dir or Path.home()
        self.path: Path | None = None
        self.preview: ImportPreview | None = None
        self.report: ImportReport | None = None
        self.running = False
        self._cancel = threading.Event()

        intro = QLabel(
            "Add the opt-outs another tool collected: a CSV file with a phone number column "
            "(and, if it has them, category and date columns). Each good row is recorded as an opt-out."
        )
        intro.setWordWrap(True)
        self.file_field = QLineEdit()
        self.file_field.setObjectName("importFile")
        self.file_field.setReadOnly(True)
        self.file_field.setPlaceholderText("No file chosen yet")
        self.file_field.setAccessibleName("File to import")
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.setObjectName("importChoose")
        self.choose_button.setAccessibleName("Choose the file to import")
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_field, 1)
        file_row.addWidget(self.choose_button)

        self.format_label = QLabel()
        self.format_label.setObjectName("importFormat")
        self.format_label.setWordWrap(True)
        self.preview_table = QTableWidget()
        self.preview_table.setObjectName("importPreview")
        self.preview_table.setAccessibleName("The first rows of the file")
        self._read_only(self.preview_table)
        self.note = QLabel(ALL_OR_NOTHING)
        self.note.setObjectName("importNote")
        self.note.setWordWrap(True)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("importProgress")
        self.progress_bar.setAccessibleName("Import progress")
        self.progress_bar.setRange(0, 100)
        self.progress_bar.hide()
        self.result_label = QLabel()
        self.result_label.setObjectName("importResult")
        self.result_label.setWordWrap(True)
        self.refused_table = QTableWidget(0, 2)
        self.refused_table.setObjectName("importRefused")
        self.refused_table.setAccessibleName("Lines that were not imported")
        self.refused_table.setHorizontalHeaderLabels(["Line", "What was wrong"])
        self._read_only(self.refused_table)
        self.refused_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.refused_table.verticalHeader().hide()  # the file's line number is the first column
        self.refused_table.hide()

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importStart")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = self.buttons.addButton("Close", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setObjectName("importClose")
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.format_label)
        layout.addWidget(self.preview_table, 2)
        layout.addWidget(self.note)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.result_label)
        layout.addWidget(self.refused_table, 1)
        layout.addWidget(self.buttons)
        self._progress.connect(self._show_progress)

    @staticmethod
    def _read_only(table: QTableWidget) -> None:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(False)
        table.horizontalHeader().setStretchLastSection(True)

    # -- choosing and previewing ---------------------------------------------------------------
    def choose_file(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Choose the opt-out list", str(self.start_dir), "CSV or text (*.csv *.txt);;All files (*)"
        )
        dialog.setObjectName("importFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(lambda name: self.load(Path(name)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def load(self, path: Path) -> None:
        """Read the first rows off the UI thread and show them with how the file was read."""
        if self.running:
            return
        self.path, self.preview, self.report = path, None, None
        self.file_field.setText(str(path))
        self.import_button.setEnabled(False)
        self.format_label.setText("Reading the file…")
        self.result_label.clear()
        self.refused_table.hide()
        self.progress_bar.hide()
        imports = self.imports
        self.ops.run_read(
            lambda: imports.preview(path), self._show_preview, self._preview_failed, key="import-preview"
        )

    def _show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        table = self.preview_table
        width = max([len(preview.header)] + [len(values) for _line, values in preview.rows])
        table.clear()
        table.setColumnCount(width)
        table.setRowCount(len(preview.rows))
        table.setHorizontalHeaderLabels(preview.header + [""] * (width - len(preview.header)))
        table.setVerticalHeaderLabels([f"line {line}" for line, _values in preview.rows])
        for row, (_line, values) in enumerate(preview.rows):
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        if preview.problem:
            self.format_label.setText(f"⚠ This file cannot be imported: {preview.problem}.")
            return
        count = len(preview.rows)
        shown = f"The first {count} rows are shown below." if count else "No rows after the header."
        self.format_label.setText(f"{format_words(preview.encoding, preview.delimiter)} {shown}")
        self.import_button.setEnabled(bool(preview.rows))

    def _preview_failed(self, error: BaseException) -> None:
        self.format_label.setText(f"⚠ The file could not be read: {plain_failure(error)}")

    # -- importing -----------------------------------------------------------------------------
    def start_import(self) -> None:
        path = self.path
        if path is None or self.running or self.preview is None or self.preview.problem:
            return
        self.running = True
        self._cancel.clear()
        self.import_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.close_button.setText("Cancel import")
        self.close_button.setAccessibleName("Cancel the import; nothing from the file is kept")
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.result_label.setText(f"Importing {path.name}…")
        imports, report_progress, cancelled = self.imports, self._emit_progress, self._cancel.is_set
        self.ops.run_write(
            lambda: imports.import_file(path, report_progress, cancelled), self._finished, self._failed
        )

    def _emit_progress(self, done: int, total: int) -> None:  # on the book writer's thread
        with contextlib.suppress(RuntimeError):  # the dialog is gone: nobody to show it to
            self._progress.emit(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress_bar.setValue(int(100 * done / total) if total else 0)

    def cancel_import(self) -> None:
        if self.running and not self._cancel.is_set():
            self._cancel.set()
            self.close_button.setEnabled(False)
            self.result_label.setText("Cancelling… nothing from this file will be kept.")

    def _finished(self, report: ImportReport) -> None:
        self._stopped()
        self.report = report
        self.progress_bar.setValue(100)
        refused = len(report.errors)
        parts = [f"Imported {report.imported:,} opt-out{'s' if report.imported != 1 else ''}."]
        if report.skipped_duplicates:
            parts.append(f"{report.skipped_duplicates:,} were already recorded.")
        if refused:
            parts.append(f"{refused:,} line{'s were' if refused != 1 else ' was'} not imported (below).")
        self.result_label.setText("✓ " + " ".join(parts) if not refused else "⚠ " + " ".join(parts))
        self._show_refused(report)
        self.imported.emit(report)

    def _show_refused(self, report: ImportReport) -> None:
        lines = [(line, reason) for line, reason in report.errors] + [
            (line, f"imported, but: {reason}") for line, reason in report.warnings
        ]
        lines.sort(key=lambda item: item[0])
        table = self.refused_table
        table.setRowCount(len(lines))
        for row, (line, reason) in enumerate(lines):
            number = QTableWidgetItem(str(line))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 0, number)
            item = QTableWidgetItem(reason)
            item.setToolTip(reason)
            table.setItem(row, 1, item)
        table.setVisible(bool(lines))

    def _failed(self, error: BaseException) -> None:
        self._stopped()
        self.progress_bar.hide()
        name = self.path.name if self.path else "the file"
        if isinstance(error, ImportCancelledError):
            self.result_label.setText(f"Import cancelled. Nothing from {name} was imported.")
        else:
            self.result_label.setText(
                f"⚠ The import did not finish: {plain_failure(error)} Nothing from {name} was imported."
            )

    def _stopped(self) -> None:
        self.running = False
        self.choose_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        self.close_button.setAccessibleName("Close")

    # -- closing -------------------------------------------------------------------------------
    def reject(self) -> None:
        """While importing, Cancel / Escape cancels the import; the dialog stays to say nothing was kept."""
        if self.running:
            self.cancel_import()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self.cancel_import()
            event.ignore()
            return
        super().closeEvent(event)
