"""The shared ingest pipeline (parse -> store -> detect -> decide -> confirm) and its writer thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from desktop_app.domain.model import IngestResult, ProviderEvent

log = logging.getLogger(__name__)

IngestFn = Callable[[Sequence[ProviderEvent]], IngestResult]
_STOP = object()


class IngestWorker:
    """Group commit: whatever arrived while the last transaction ran goes into the next one.

    Each submitter gets a Future that resolves only after its events are committed, so the webhook
    can answer 200 afterwards. If a combined transaction fails, each submission is retried alone,
    so one poisoned delivery never fails its neighbours.
    """

    def __init__(self, ingest: IngestFn, *, max_events_per_commit: int = 2000) -> None:
        self._ingest = ingest
        self._max_events = max_events_per_commit
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self.commits = 0  # transactions run, for the benchmark's figures

    def start(self) -> IngestWorker:
        if self._thread is None:
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what was submitted, then stop."""
        thread = self._thread
        if thread is None:
            return
        self._stopped.set()
        self._queue.put(_STOP)
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> IngestWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def submit(self, events: Sequence[ProviderEvent]) -> Future[IngestResult]:
        future: Future[IngestResult] = Future()
        if self._stopped.is_set() or self._thread is None:
            future.set_exception(RuntimeError("the ingest writer is not running"))
            return future
        self._queue.put((list(events), future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            count = len(first[0])  # type: ignore[index]
            while count < self._max_events:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                count += len(item[0])  # type: ignore[index]
            self._commit(batch)  # type: ignore[arg-type]
        self._fail_leftovers()

    def _commit(self, batch: list[tuple[list[ProviderEvent], Future[IngestResult]]]) -> None:
        live = [(events, fut) for events, fut in batch if fut.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            result = self._ingest([event for events, _ in live for event in events])
            self.commits += 1
        except Exception as exc:
            if len(live) == 1:
                log.error("Ingest failed (%s); the sender will retry", type(exc).__name__, exc_info=True)
                live[0][1].set_exception(exc)
                return
            log.warning("Combined ingest failed (%s); retrying deliveries one by one", type(exc).__name__)
            for events, fut in live:
                self._commit_alone(events, fut)
            return
        for _, fut in live:
            fut.set_result(result)

    def _commit_alone(self, events: list[ProviderEvent], fut: Future[IngestResult]) -> None:
        try:
            result = self._ingest(events)
            self.commits += 1
        except Exception as exc:
            log.error("Ingest failed (%s); the sender will retry", type(exc).__name__, exc_info=True)
            fut.set_exception(exc)
        else:
            fut.set_result(result)

    def _fail_leftovers(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                _, fut = item  # type: ignore[misc]
                if fut.set_running_or_notify_cancel():
                    fut.set_exception(RuntimeError("the ingest writer stopped"))
