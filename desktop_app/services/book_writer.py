"""The one thread that writes to the consent book: operations in order, inbound batches group-committed."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from desktop_app.domain.model import IngestResult, ProviderEvent, Verdict

log = logging.getLogger(__name__)

T = TypeVar("T")
BookT = TypeVar("BookT", covariant=True)

WRITER_THREAD_NAME = "book-writer"
# In a burst, wait this long at most for the submitters just answered to come back, so one fsync
# carries all of them instead of the burst settling into two half-sized groups taking turns.
LINGER_SECONDS = 0.004
PEAK_MEMORY_SECONDS = 1.0
Prepared = tuple[ProviderEvent, Verdict | None]  # an event and, for a customer's words, its verdict
PrepareFn = Callable[[Sequence[ProviderEvent]], list[Prepared]]
CommitFn = Callable[[Sequence[Prepared]], IngestResult]


class WriterStoppedError(RuntimeError):
    """Submitted to a book writer that is not running (not started yet, or stopped)."""


@dataclass(slots=True)
class _Operation:
    run: Callable[[], object]
    future: Future[object]


@dataclass(slots=True)
class _Ingest:
    items: list[Prepared]
    future: Future[IngestResult]


_STOP = object()
_Item = _Operation | _Ingest | object


def _unprepared(events: Sequence[ProviderEvent]) -> list[Prepared]:
    return [(event, None) for event in events]


class BookWriter(Generic[BookT]):
    """Every write to `book` runs here, on one thread named "book-writer", one at a time, in order.

    `submit(op)` runs any write (mark_read, resolve_detection, set_cursor, ...). `submit_ingest(events)`
    classifies on the caller's thread (the bound `prepare`), then the writer commits: whatever arrived
    while the last transaction ran goes into the next one, and a combined batch that fails is retried
    submission by submission, so one poisoned delivery never fails its neighbours. Each Future resolves
    only after its commit (a webhook answers 200 afterwards). Called on the writer thread itself, both
    run at once instead of queueing, so an operation may use code that submits and waits.
    """

    def __init__(
        self,
        book: BookT,
        *,
        commit: CommitFn | None = None,
        prepare: PrepareFn | None = None,
        max_events_per_commit: int = 2000,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self._book = book
        self._commit_fn = commit
        self._prepare_fn = prepare
        self._max_events = max_events_per_commit
        self._linger = linger_seconds
        self._in_flight = 0  # ingest submissions not answered yet
        self._peak = 0  # the most in flight at once lately: how many submitters a burst has
        self._peak_at = 0.0
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._accepting = False
        self._lock = threading.Lock()
        self.commits = 0  # ingest transactions run, for the benchmark's figures
        self.busy_seconds = 0.0  # time spent inside ingest transactions (ditto)

    @property
    def book(self) -> BookT:
        """The book the operations write to (they may call it directly: they run on the writer)."""
        return self._book

    def bind_ingest(self, commit: CommitFn, prepare: PrepareFn | None = None) -> BookWriter[BookT]:
        """What submit_ingest runs: `prepare` on the caller's thread, `commit` (one transaction) here."""
        self._commit_fn = commit
        self._prepare_fn = prepare
        return self

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> BookWriter[BookT]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=WRITER_THREAD_NAME, daemon=True)
                self._accepting = True
                self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what was submitted, then stop; later submissions fail with WriterStoppedError."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._accepting = False
            self._queue.put(_STOP)
        if thread is threading.current_thread():
            return  # stopped from one of its own operations: the loop ends after it
        thread.join(timeout)
        if thread.is_alive():
            log.warning("The book writer was still busy after %.0f s; it finishes in the background", timeout)

    @property
    def running(self) -> bool:
        return self._accepting

    def __enter__(self) -> BookWriter[BookT]:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def is_writer_thread(self) -> bool:
        """True on this writer's own thread (where writes may go straight to the book)."""
        return _local.writer is self

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, op: Callable[[], T]) -> Future[T]:
        """Run `op` (a write) on the writer thread; the Future carries its result or its exception."""
        future: Future[T] = Future()
        if self.is_writer_thread():
            _run_into(op, future)
            return future
        self._put(_Operation(op, future), future)  # type: ignore[arg-type]  # Future is invariant in T
        return future

    def submit_ingest(self, events: Sequence[ProviderEvent]) -> Future[IngestResult]:
        """Store and decide inbound events (group commit); resolves after the commit, or with its error."""
        future: Future[IngestResult] = Future()
        commit = self._commit_fn
        if commit is None:
            future.set_exception(RuntimeError("this book writer has no ingest bound (bind_ingest)"))
            return future
        try:
            prepared = (self._prepare_fn or _unprepared)(events)
        except Exception as exc:  # prepare is meant never to raise; if it does, the caller hears it
            future.set_exception(exc)
            return future
        if self.is_writer_thread():
            _run_into(lambda: self._timed_commit(commit, prepared), future)
            return future
        self._count_in(1)
        if not self._put(_Ingest(prepared, future), future):
            self._count_out(1)
        return future

    def _count_in(self, n: int) -> None:
        with self._lock:
            self._in_flight += n
            now = time.monotonic()
            if self._in_flight >= self._peak or now - self._peak_at > PEAK_MEMORY_SECONDS:
                self._peak, self._peak_at = self._in_flight, now

    def _count_out(self, n: int) -> None:
        with self._lock:
            self._in_flight -= n

    def _burst_size(self) -> int:
        """How many submitters a burst under way has (0 when none is: then nothing waits)."""
        with self._lock:
            if time.monotonic() - self._peak_at > PEAK_MEMORY_SECONDS:
                return 0
            return self._peak

    def _put(self, item: _Operation | _Ingest, future: Future[T]) -> bool:
        with self._lock:
            if self._accepting:
                self._queue.put(item)
                return True
        future.set_exception(WriterStoppedError("the book writer is not running"))
        return False

    # --- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        _local.writer = self
        held: _Item | None = None
        while True:
            item = held if held is not None else self._queue.get()
            held = None
            if item is _STOP:
                break
            if isinstance(item, _Operation):
                if item.future.set_running_or_notify_cancel():
                    _run_into(item.run, item.future)
                continue
            assert isinstance(item, _Ingest)
            group, held = self._gather(item)
            self._commit_group(group)
        self._fail_leftovers()
        _local.writer = None

    def _gather(self, first: _Ingest) -> tuple[list[_Ingest], _Item | None]:
        """`first` and the ingest submissions queued behind it, up to the next operation (kept in order).

        In a burst it lingers (at most `linger_seconds`) until as many submissions are in hand as the
        burst has submitters; outside a burst, and once that many are in, it commits at once.
        """
        group = [first]
        count = len(first.items)
        wanted = self._burst_size()
        deadline: float | None = None
        while count < self._max_events:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                if len(group) >= wanted or self._linger <= 0:
                    return group, None
                deadline = deadline or time.monotonic() + self._linger
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return group, None
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    return group, None
            if not isinstance(item, _Ingest):
                return group, item
            group.append(item)
            count += len(item.items)
        return group, None

    def _timed_commit(self, commit: CommitFn, items: Sequence[Prepared]) -> IngestResult:
        began = time.perf_counter()
        try:
            return commit(items)
        finally:
            self.busy_seconds += time.perf_counter() - began
            self.commits += 1

    def _commit_group(self, group: list[_Ingest]) -> None:
        try:
            self._commit_live(group)
        finally:
            self._count_out(len(group))

    def _commit_live(self, group: list[_Ingest]) -> None:
        live = [one for one in group if one.future.set_running_or_notify_cancel()]
        commit = self._commit_fn
        if not live or commit is None:
            return
        try:
            result = self._timed_commit(commit, [item for one in live for item in one.items])
        except Exception as exc:
            if len(live) == 1:
                log.error("Ingest failed (%s); the sender will retry", type(exc).__name__, exc_info=True)
                live[0].future.set_exception(exc)
                return
            log.warning("Combined ingest failed (%s); retrying deliveries one by one", type(exc).__name__)
            for one in live:
                self._commit_alone(commit, one)
            return
        for one in live:
            one.future.set_result(result)

    def _commit_alone(self, commit: CommitFn, one: _Ingest) -> None:
        try:
            result = self._timed_commit(commit, one.items)
        except Exception as exc:
            log.error("Ingest failed (%s); the sender will retry", type(exc).__name__, exc_info=True)
            one.future.set_exception(exc)
        else:
            one.future.set_result(result)

    def _fail_leftovers(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Operation | _Ingest) and item.future.set_running_or_notify_cancel():
                item.future.set_exception(WriterStoppedError("the book writer stopped"))


class _WriterLocal(threading.local):
    writer: object = None  # the BookWriter whose thread this is


_local = _WriterLocal()


def _run_into(op: Callable[[], T], future: Future[T]) -> None:
    try:
        result = op()
    except BaseException as exc:  # the submitter decides what an error means; the writer keeps going
        future.set_exception(exc)
    else:
        future.set_result(result)
