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

from desktop_app.services.inbox import ConsentFilter, InboxService
from desktop_app.ui.export_worker import ExportJob
from desktop_app.ui.history_dialog import HistoryDialog
from desktop_app.ui.icons import icon
from desktop_app.ui.models.consent_table import ConsentTableModel

FILTERS = (
    (ConsentFilter.ALL, "Everyone"),
    (ConsentFilter.OPTED_OUT, "Opted out"),
    (ConsentFilter.OPTED_IN, "Opted in"),
    (ConsentFilter.CHANGED_THIS_WEEK, "Changed this week"),
)


class ConsentBookView(QWidget):
    notice = Signal(str)
    export_finished = Signal(int, bool, str)  # rows, cancelled, error

    def __init__(self, inbox: InboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inbox = inbox
        self.job: ExportJob | None = None
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
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAccessibleName("Export the consent book to CSV")
        self.export_button.clicked.connect(self.ask_export_path)
        self.verify_button = QPushButton("Verify history")
        self.verify_button.setAccessibleName("Verify the consent history is intact")
        self.verify_button.setToolTip("Checks that no entry of the consent book was edited or removed")
        self.verify_button.clicked.connect(self.verify)
        self.verify_result = QLabel()
        self.verify_result.setObjectName("verifyResult")
        self.verify_result.setWordWrap(True)

        self.model = ConsentTableModel(inbox, parent=self)
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
        for column, width in enumerate((200, 160, 130, 140, 170, 220)):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(self.show_history)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.filter)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verify_result)
        self.loaded = False  # the first query runs when the view is first shown

    # -- browsing ------------------------------------------------------------------------------
    def apply_query(self) -> None:
        self.loaded = True
        value = self.filter.currentData() or ConsentFilter.ALL
        self.model.set_query(ConsentFilter(value), self.search.text())
        total = self.model.total()
        self.count.setText(f"{total:,} recorded choice{'s' if total != 1 else ''}")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.loaded = True
        self.model.reload(keep_rows=self.model.rowCount())
        total = self.model.total()
        self.count.setText(f"{total:,} recorded choice{'s' if total != 1 else ''}")

    def show_history(self, index: object = None) -> HistoryDialog | None:
        row = self.table.currentIndex().row()
        item = self.model.item(row)
        if item is None:
            return None
        states, history = self.inbox.contact_history(item.contact_key)
        dialog = HistoryDialog(item.name or item.display_number, states, history, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def verify(self) -> None:
        report = self.inbox.verify()
        prefix = "✅" if report.ok else "⚠"
        self.verify_result.setText(f"{prefix} {report.message}")
        self.notice.emit(report.message)

    # -- export --------------------------------------------------------------------------------
    def ask_export_path(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Export the consent book", str(Path.home() / "consent-book.csv"), "CSV (*.csv)"
        )
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_to(self, path: Path) -> None:
        if self.job is not None:
            return
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
            lambda target, report, cancelled: self.inbox.export_consent(
                target, consent_filter, search, report, cancelled
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
