"""Signals reported from worker threads reach every receiver on the UI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from desktop_app.domain.model import IngestResult
from desktop_app.services.qtbridge import RuntimeBridge


def test_worker_reports_arrive_on_the_ui_thread_even_for_plain_callables(qtbot) -> None:
    bridge = RuntimeBridge()
    ui_thread = QThread.currentThread()
    seen: list[tuple[str, bool]] = []
    bridge.ingested.connect(lambda result: seen.append(("ingested", QThread.currentThread() is ui_thread)))
    bridge.new_opt_out.connect(lambda key: seen.append((key, QThread.currentThread() is ui_thread)))
    bridge.connection_changed.connect(
        lambda state, message: seen.append((state, QThread.currentThread() is ui_thread))
    )

    def worker() -> None:
        bridge.report_connection("polling", "Checking Twilio every 5 s")
        bridge.report_ingest(IngestResult(stored_messages=1), ["+15550101234"])

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == []  # nothing ran in the worker
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    assert seen == [("polling", True), ("ingested", True), ("+15550101234", True)]
    bridge.deleteLater()
