"""Runs a CSV export on its own QThread, reporting progress and honouring Cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from desktop_app.services.paths import plain_os_reason

# (path, progress(done, total), cancelled()) -> (rows written, was cancelled); raises on failure
ExportFunction = Callable[[Path, Callable[[int, int], None], Callable[[], bool]], tuple[int, bool]]


def disk_refusal(target: Path, exc: OSError) -> str:
    """Why the export file could not be written, and what to do, in the owner's words."""
    return (
        f"it could not be saved in {target.parent} ({plain_os_reason(exc)}); "
        "choose another folder, for example your Documents folder"
    )


class ExportWorker(QObject):
    progress = Signal(int, int)  # done, total
    finished = Signal(int, bool, str)  # rows, cancelled, error ("" when fine)

    def __init__(self, export: ExportFunction, path: Path) -> None:
        super().__init__()
        self._export = export
        self._path = path
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        try:
            rows, cancelled = self._export(self._path, self.progress.emit, self._cancel.is_set)
        except OSError as exc:  # the folder, not the book: no errno, no temporary ".part" name
            self.finished.emit(0, False, disk_refusal(self._path, exc))
            return
        except Exception as exc:  # shown to the owner as a sentence, never a traceback
            self.finished.emit(0, False, str(exc) or type(exc).__name__)
            return
        self.finished.emit(rows, cancelled, "")


class ExportJob(QObject):
    """Owns the thread and the worker; `wait()` makes teardown deterministic."""

    progress = Signal(int, int)
    done = Signal(int, bool, str)

    def __init__(self, export: ExportFunction, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("consent-export")
        self.worker = ExportWorker(export, path)
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._finished)
        # Direct: the loop ends even while the UI thread waits for it in wait() (teardown)
        self.worker.finished.connect(self.worker_thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.worker_thread.start()

    def cancel(self) -> None:
        self.worker.cancel()

    def wait(self, ms: int = 10_000) -> bool:
        return self.worker_thread.wait(ms)

    def is_running(self) -> bool:
        return self.worker_thread.isRunning()

    def _finished(self, rows: int, cancelled: bool, error: str) -> None:
        self.worker_thread.quit()  # the run() slot has returned; let the loop end
        self.worker_thread.wait()
        self.done.emit(rows, cancelled, error)
