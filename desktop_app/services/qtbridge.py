"""The one place where background threads meet Qt: callbacks in, signals out on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop_app.domain.model import IngestResult


class RuntimeBridge(QObject):
    """Lives in the UI thread. Worker threads call `report_*`; the public signals are always emitted
    from the bridge's own thread, so every receiver — slots and plain Python callables alike — runs
    there. (A lambda connected to a signal emitted in a worker thread would otherwise run in that
    worker and touch widgets from the wrong thread.)"""

    ingested = Signal(object)  # IngestResult, after a batch is committed
    connection_changed = Signal(str, str)  # ConnectionState value, plain message for the owner
    new_opt_out = Signal(str)  # contact key of a customer who just asked to stop

    _ingest_posted = Signal(object, list)
    _connection_posted = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        queued = Qt.ConnectionType.QueuedConnection
        self._ingest_posted.connect(self._emit_ingest, queued)
        self._connection_posted.connect(self._emit_connection, queued)

    def report_ingest(self, result: IngestResult, new_opt_out_keys: list[str]) -> None:
        self._ingest_posted.emit(result, list(new_opt_out_keys))

    def report_connection(self, state: str, message: str) -> None:
        self._connection_posted.emit(state, message)

    @Slot(object, list)
    def _emit_ingest(self, result: IngestResult, keys: list[str]) -> None:
        self.ingested.emit(result)
        for key in keys:
            self.new_opt_out.emit(key)

    @Slot(str, str)
    def _emit_connection(self, state: str, message: str) -> None:
        self.connection_changed.emit(state, message)
