"""The Consent book: every contact's state per category, searchable, exportable, verifiable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import CategoryState, ConsentEventRecord
from desktop_app.domain.records import ContactConsentRow
from desktop_app.services.consent_book import ConsentFilter, VerifyReport
from desktop_app.services.ui_services import UiServices
from desktop_app.services.wording import display_number
from desktop_app.ui.export_worker import ExportJob
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.icons import icon
from desktop_app.ui.import_dialog import ImportDialog
from desktop_app.ui.models.consent_table import ConsentTableModel
from desktop_app.ui.models.paged import Loaded
from desktop_app.ui.ops import Ops, plain_failure

EXPORT_FILTERS = ("Spreadsheet, CSV (*.csv)", "JSON (*.json)")
FILTERS = (
    (ConsentFilter.ALL, "Everyone"),
    (ConsentFilter.OPTED_OUT, "Opted out"),
    (ConsentFilter.OPTED_IN, "Opted in"),
    (ConsentFilter.CHANGED_THIS_WEEK, "Changed this week"),
)


class ConsentBookView(QWidget):
    notice = Signal(str)
    export_finished = Signal(int, bool, str)  # rows, cancelled, error

    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consent_book = services.consent_book
        self.exports = services.exports
        self.imports = services.imports
        self.import_dialog: ImportDialog | None = None
        self.ops = ops
        self.job: ExportJob | None = None
        self.history_dialog: HistoryDialog | None = None
        self.progress: QProgressDialog | None = None

        self.search = QLineEdit()
        self.search.setObjectName("consentSearch")
        self.search.setPlaceholderText("Search name or number")
        search_action = self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        search_action.setText("Search")
        search_action.setToolTip("Search")
        self.search.setAccessibleName("Search the consent book")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(self.apply_query)
        self.search.textChanged.connect(self._search_timer.start)
        self.filter = QComboBox()
        self.filter.setObjectName("consentFilter")
        self.filter.setAccessibleName("Show")
        for value, label in FILTERS:
            self.filter.addItem(label, value)
        self.filter.currentIndexChanged.connect(lambda _i: self.apply_query())
        self.count = QLabel()
        self.count.setObjectName("consentCount")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("consentExport")
        self.export_button.setAccessibleName("Export the consent book (CSV or JSON)")
        self.export_button.setToolTip("Save the choices shown as a spreadsheet (CSV) or as JSON")
        self.export_button.clicked.connect(self.ask_export_path)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("consentImport")
        self.import_button.setAccessibleName("Import opt-outs from another tool's CSV file")
        self.import_button.setToolTip("Add the opt-outs another tool collected (a CSV file of phone numbers)")
        self.import_button.clicked.connect(self.open_import)
        self.verify_button = QPushButton("Verify history")
        self.verify_button.setAccessibleName("Verify the consent history is intact")
        self.verify_button.setToolTip("Checks that no entry of the consent book was edited or removed")
        self.verify_button.clicked.connect(self.verify)
        self.verify_result = QLabel()
        self.verify_result.setObjectName("verifyResult")
        self.verify_result.setWordWrap(True)

        self.model = ConsentTableModel(services.consent_book, parent=self)
        self.model.read_pages_with(ops.run_page_read)  # scrolling never reads on the UI thread
        self.table = QTableView()
        self.table.setObjectName("consentTable")
        self.table.setAccessibleName("Consent book")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row height: the view never measures rows, so a million rows cost nothing up front.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_columns()
        self.table.doubleClicked.connect(self.show_history)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.filter)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verify_result)
        self.loaded = False  # the first query runs when the view is first shown

    # -- browsing ------------------------------------------------------------------------------
    def apply_query(self) -> None:
        value = self.filter.currentData() or ConsentFilter.ALL
        self.model.set_filter(ConsentFilter(value), self.search.text())
        self._reload(keep_rows=0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        categories = self.consent_book.categories()
        if categories != self.model.categories:  # a category was added in Settings: a new column
            self.model.set_categories(categories)
            self._size_columns()
        self._reload(keep_rows=self.model.rowCount())

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        widths = [200, 160] + [120] * len(self.model.categories) + [170]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def _reload(self, keep_rows: int) -> None:
        """Rows and COUNT are read off the UI thread, apart: the page (~2 ms) need not wait for the COUNT
        (~50-80 ms over 100,000 customers). Only the newest reload of each is shown."""
        self.loaded = True
        self.ops.run_read(self.model.load_query(keep_rows), self._show_rows, key="consent-book")
        self.ops.run_read(self.model.total_query(), self._show_count, key="consent-count")

    def _show_rows(self, loaded: Loaded[ContactConsentRow]) -> None:
        self.model.apply_loaded(loaded)

    def _show_count(self, total: int) -> None:
        self.count.setText(f"{total:,} customer{'s' if total != 1 else ''}")

    def show_history(self, index: object = None) -> None:
        row = self.table.currentIndex().row()
        item = self.model.item(row)
        if item is None:
            return
        key, service = item.contact_key, self.consent_book
        title = item.name or display_number(key)
        self.ops.run_read(
            lambda: service.contact_history(key), lambda found: self._open_history(title, found)
        )

    def _open_history(
        self, title: str, found: tuple[list[CategoryState], list[ConsentEventRecord]]
    ) -> HistoryDialog:
        states, history = found
        dialog = HistoryDialog(title, states, history, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.history_dialog = dialog
        return dialog

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_result.setText("Checking the history…")
        self.ops.run_read(self.consent_book.verify, self._verified, self._verify_failed)

    def _verified(self, report: VerifyReport) -> None:
        self.verify_button.setEnabled(True)
        prefix = "✓" if report.ok else "⚠"  # in every stock font; ✅ needs an emoji font
        self.verify_result.setText(f"{prefix} {report.message}")
        self.notice.emit(report.message)

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.setText(f"⚠ The check could not run: {plain_failure(error)}")

    # -- import --------------------------------------------------------------------------------
    def open_import(self) -> ImportDialog:
        """Consent book → Import…: the dialog previews, imports on the book writer and lists refused lines."""
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            return self.import_dialog
        dialog = ImportDialog(self.imports, self.ops, parent=self)
        dialog.imported.connect(lambda _report: self.refresh())
        dialog.finished.connect(self._import_closed)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _import_closed(self, _result: int) -> None:
        dialog, self.import_dialog = self.import_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # -- export --------------------------------------------------------------------------------
    def ask_export_path(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Export the consent book", str(Path.home() / "consent-book.csv"), ";;".join(EXPORT_FILTERS)
        )
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)

        def chosen_filter(name: str) -> None:  # the suffix follows the chosen format
            dialog.setDefaultSuffix("json" if name == EXPORT_FILTERS[1] else "csv")

        dialog.filterSelected.connect(chosen_filter)
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_to(self, path: Path) -> None:
        """CSV, or JSON when the file's name ends in .json; both as filtered on screen."""
        if self.job is not None:
            return
        fmt = "json" if path.suffix.lower() == ".json" else "csv"
        consent_filter, search = self.model.query
        self.progress = QProgressDialog("Exporting the consent book…", "Cancel", 0, 0, self)
        self.progress.setObjectName("exportProgress")
        self.progress.setWindowTitle("Export")
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        # Not modal: a modal QProgressDialog runs the event loop inside setValue (re-entrant updates);
        # the export runs on its own thread, so the window can stay usable meanwhile.
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.job = ExportJob(
            lambda target, report, cancelled: self.exports.export_consent(
                target, consent_filter, search, report, cancelled, fmt=fmt
            ),
            path,
            self,
        )
        self.job.progress.connect(self._progress)
        self.job.done.connect(self._done)
        self.progress.canceled.connect(self.job.cancel)
        self.export_button.setEnabled(False)
        self.progress.show()
        self.job.start()

    def _progress(self, done: int, total: int) -> None:
        progress = self.progress  # setValue may process events, and the export may finish meanwhile
        if progress is None:
            return
        progress.setLabelText(f"Exporting the consent book… {done:,} of {total:,} rows")
        if progress.maximum() != max(total, 1):
            progress.setMaximum(max(total, 1))
        progress.setValue(min(done, max(total, 1)))

    def _done(self, rows: int, cancelled: bool, error: str) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.export_button.setEnabled(True)
        if error:
            QMessageBox.warning(
                self, "Export failed", f"The export did not finish: {error}. Nothing was lost."
            )
        elif cancelled:
            self.notice.emit("Export cancelled; the partial file was removed.")
        else:
            self.notice.emit(f"Exported {rows:,} rows.")
        self.export_finished.emit(rows, cancelled, error)

    def shutdown(self) -> None:
        """Stop a running export and wait for its thread (window close, test teardown)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait()
