"""Runs one blocking call (HTTP test, tunnel start) on a QThread and hands the result back to the UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot


class _Runner(QObject):
    finished = Signal(object, str)  # result, error message ("" when fine)

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self._call = call

    @Slot()
    def run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # reported to the owner as a sentence
            self.finished.emit(None, str(exc) or type(exc).__name__)
            return
        self.finished.emit(result, "")


class BackgroundTask(QObject):
    """`done(result, error)` arrives in the UI thread; `wait()` joins the thread (teardown)."""

    done = Signal(object, str)

    def __init__(self, call: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread = QThread()
        self.runner = _Runner(call)
        self.runner.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.runner.run)
        # Direct: the loop ends even while the UI thread waits for it in wait() (teardown)
        self.runner.finished.connect(self.worker_thread.quit, Qt.ConnectionType.DirectConnection)
        self.runner.finished.connect(self._finish)

    def start(self) -> BackgroundTask:
        self.worker_thread.start()
        return self

    def wait(self, ms: int = 30_000) -> bool:
        return self.worker_thread.wait(ms)

    def is_running(self) -> bool:
        return self.worker_thread.isRunning()

    def _finish(self, result: object, error: str) -> None:
        self.worker_thread.quit()  # the run() slot has returned; let the loop end
        self.worker_thread.wait()
        self.done.emit(result, error)
