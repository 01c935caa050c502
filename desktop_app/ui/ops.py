"""Background operations for the window (Anki's pattern): writes on the book writer, slow reads on a
small read pool, callbacks always delivered on the UI thread, failures said in a plain sentence."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop_app.domain.records import BookError, BookLockedError
from desktop_app.services.secrets import SecretStoreUnavailableError
from desktop_app.services.ui_ports import Writer

log = logging.getLogger(__name__)

T = TypeVar("T")
Success = Callable[[T], object]  # whatever it returns is ignored
Failure = Callable[[BaseException], object]
READ_WORKERS = 2


def plain_failure(exc: BaseException) -> str:
    """What went wrong, for the owner: a sentence, never a traceback."""
    if isinstance(exc, BookLockedError):
        return (
            "The consent book is busy (another program is writing to it), so this was not saved. "
            "Please try again in a moment."
        )
    if isinstance(exc, BookError | SecretStoreUnavailableError | ValueError):
        return str(exc) or "That could not be done."
    if isinstance(exc, OSError):
        return f"The disk refused: {exc.strerror or exc}. Nothing was lost."
    return f"Something went wrong ({type(exc).__name__}: {exc}). Nothing was lost; it is in the log file."


class Ops(QObject):
    """`run_write(op, on_success, on_failure)` / `run_read(query, on_success, on_failure, key=...)`.

    Reads that share a `key` supersede each other: only the newest one's result is delivered, so a
    burst of refreshes never paints an old list over a newer one. Without `on_failure`, a failure is
    logged and announced on `failed` (the window shows it in the status bar).
    """

    failed = Signal(str)  # a plain sentence for the owner
    _deliver = Signal(object)  # a zero-argument callable, run on the UI thread

    def __init__(
        self, writer: Writer, parent: QObject | None = None, read_workers: int = READ_WORKERS
    ) -> None:
        super().__init__(parent)
        self._writer = writer
        self._reads = ThreadPoolExecutor(max_workers=read_workers, thread_name_prefix="ui-read")
        self._latest: dict[str, int] = {}
        self._serial = 0
        self._in_flight = 0
        self._closed = False
        self._deliver.connect(self._run_delivery, Qt.ConnectionType.QueuedConnection)

    # -- the API -------------------------------------------------------------------------------
    def run_write(
        self, op: Callable[[], T], on_success: Success[T] | None = None, on_failure: Failure | None = None
    ) -> Future[T]:
        """Run a write on the book writer; the callbacks run on the UI thread afterwards."""
        future = self._writer.submit(op)
        self._follow(future, on_success, on_failure, key=None, serial=0)
        return future

    def run_read(
        self,
        query: Callable[[], T],
        on_success: Success[T] | None = None,
        on_failure: Failure | None = None,
        *,
        key: str | None = None,
    ) -> Future[T]:
        """Run a read on the read pool; a newer read with the same `key` makes this one's result stale."""
        self._serial += 1
        if key is not None:
            self._latest[key] = self._serial
        future = self._reads.submit(query)
        self._follow(future, on_success, on_failure, key=key, serial=self._serial)
        return future

    def run_page_read(self, query: Callable[[], T], on_page: Success[T], on_failure: Failure) -> Future[T]:
        """A model's next page (PagedListModel.read_pages_with); a failure reaches the model and the owner."""

        def failed(error: BaseException) -> None:
            on_failure(error)
            self._announce(error)

        return self.run_read(query, on_page, failed)

    def idle(self) -> bool:
        """Nothing submitted is still waiting to be delivered (tests wait for this)."""
        return self._in_flight == 0

    def shutdown(self) -> None:
        """Stop delivering and wait for the reads that are running (window close, test teardown)."""
        self._closed = True
        self._reads.shutdown(wait=True, cancel_futures=True)

    # -- delivery ------------------------------------------------------------------------------
    def _follow(
        self,
        future: Future[T],
        on_success: Success[T] | None,
        on_failure: Failure | None,
        *,
        key: str | None,
        serial: int,
    ) -> None:
        self._in_flight += 1

        def deliver() -> None:  # on the UI thread
            self._in_flight -= 1
            if self._closed or (key is not None and self._latest.get(key) != serial):
                return  # the window is closing, or a newer read of the same thing is on its way
            if future.cancelled():
                return
            error = future.exception()
            if error is None:
                if on_success is not None:
                    on_success(future.result())
            elif on_failure is not None:
                on_failure(error)
            else:
                self._announce(error)

        def post(_done: Future[T]) -> None:  # on the thread that finished the work
            with contextlib.suppress(RuntimeError):  # the window (and this object) is gone: nobody to tell
                self._deliver.emit(deliver)

        future.add_done_callback(post)

    def _announce(self, error: BaseException) -> None:
        if isinstance(error, BookError | ValueError | SecretStoreUnavailableError):
            log.info("Background operation refused: %s", error)
        else:
            log.error("Background operation failed", exc_info=error)
        self.failed.emit(plain_failure(error))

    @Slot(object)
    def _run_delivery(self, deliver: Callable[[], None]) -> None:
        deliver()
