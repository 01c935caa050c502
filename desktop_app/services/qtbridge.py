"""The one place where background threads meet Qt: callbacks in, queued signals out."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop_app.domain.model import IngestResult


class RuntimeBridge(QObject):
    """Lives in the UI thread; emitting from any thread queues delivery to the UI thread."""

    ingested = Signal(object)  # IngestResult, after a batch is committed
    connection_changed = Signal(str, str)  # ConnectionState value, plain message for the owner
    new_opt_out = Signal(str)  # contact key of a customer who just asked to stop

    def report_ingest(self, result: IngestResult, new_opt_out_keys: list[str]) -> None:
        self.ingested.emit(result)
        for key in new_opt_out_keys:
            self.new_opt_out.emit(key)

    def report_connection(self, state: str, message: str) -> None:
        self.connection_changed.emit(state, message)
