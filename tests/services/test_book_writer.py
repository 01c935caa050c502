"""The one book writer: operations in order, group commit, isolation of a failing delivery, clean stop."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from desktop_app.domain.model import IngestResult, UnparsedPayload
from desktop_app.services.book_writer import WRITER_THREAD_NAME, BookWriter, Prepared, WriterStoppedError

POISON = UnparsedPayload("meta", "poison", None)


class GatedIngest:
    """Holds the first commit until released, so later submissions pile up into one group."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[list[object]] = []
        self.threads: list[str] = []
        self.first = True

    def __call__(self, items: Sequence[Prepared]) -> IngestResult:
        self.threads.append(threading.current_thread().name)
        if self.first:
            self.first = False
            self.entered.set()
            self.gate.wait(10)
        if any(event is POISON for event, _ in items):
            self.calls.append([])
            raise OSError("constraint failed")
        self.calls.append([event for event, _ in items])
        return IngestResult(stored_messages=len(items))


def _event(n: int) -> UnparsedPayload:
    return UnparsedPayload("meta", f"event {n}", n)


def _writer(ingest: GatedIngest) -> BookWriter[None]:
    return BookWriter(None, commit=ingest)


def test_waiting_submissions_share_one_commit() -> None:
    ingest = GatedIngest()
    with _writer(ingest) as writer:
        first = writer.submit_ingest([_event(0)])
        assert ingest.entered.wait(10)
        later = [writer.submit_ingest([_event(n)]) for n in range(1, 6)]
        ingest.gate.set()
        assert first.result(10).stored_messages == 1
        assert all(f.result(10).stored_messages == 5 for f in later)
    assert [len(c) for c in ingest.calls] == [1, 5]
    assert writer.commits == 2
    assert set(ingest.threads) == {WRITER_THREAD_NAME}


@pytest.mark.expect_log(level="ERROR", match=r"^Ingest failed")
@pytest.mark.expect_log(level="WARNING", match=r"^Combined ingest failed")
def test_a_failing_delivery_does_not_fail_its_neighbours() -> None:
    ingest = GatedIngest()
    with _writer(ingest) as writer:
        first = writer.submit_ingest([_event(0)])
        assert ingest.entered.wait(10)
        good_a = writer.submit_ingest([_event(1)])
        bad = writer.submit_ingest([POISON])
        good_b = writer.submit_ingest([_event(2)])
        ingest.gate.set()
        first.result(10)
        assert good_a.result(10).stored_messages == 1
        assert good_b.result(10).stored_messages == 1
        with pytest.raises(OSError, match="constraint failed"):
            bad.result(10)


def test_submit_after_stop_fails_clearly() -> None:
    writer = BookWriter(None, commit=lambda items: IngestResult()).start()
    assert writer.submit_ingest([]).result(10) == IngestResult()
    writer.stop()
    with pytest.raises(WriterStoppedError, match="not running"):
        writer.submit_ingest([]).result(1)
    with pytest.raises(WriterStoppedError, match="not running"):
        writer.submit(lambda: 1).result(1)


def test_stop_finishes_what_was_submitted() -> None:
    ingest = GatedIngest()
    writer = _writer(ingest).start()
    futures = [writer.submit_ingest([_event(n)]) for n in range(3)]
    done = writer.submit(lambda: "op ran")
    ingest.gate.set()
    writer.stop()
    assert all(f.done() and f.exception() is None for f in futures)
    assert done.result(0) == "op ran"


def test_operations_and_ingests_run_in_submission_order_on_the_writer_thread() -> None:
    ingest = GatedIngest()
    order: list[str] = []

    def recording(items: Sequence[Prepared]) -> IngestResult:
        order.append(f"ingest {len(items)}")
        return ingest(items)

    with BookWriter(None, commit=recording) as writer:
        writer.submit_ingest([_event(0)])
        assert ingest.entered.wait(10)
        a = writer.submit_ingest([_event(1)])
        op = writer.submit(lambda: order.append("op") or threading.current_thread().name)
        b = writer.submit_ingest([_event(2)])
        ingest.gate.set()
        assert op.result(10) == WRITER_THREAD_NAME
        a.result(10), b.result(10)
    # The operation is a barrier: the ingest before it commits first, the one after it later.
    assert order == ["ingest 1", "ingest 1", "op", "ingest 1"]


def test_an_operation_error_reaches_its_future_and_the_writer_goes_on() -> None:
    def broken() -> None:
        raise ValueError("bad row")

    with BookWriter(None) as writer:
        failed = writer.submit(broken)
        after = writer.submit(lambda: 42)
        with pytest.raises(ValueError, match="bad row"):
            failed.result(10)
        assert after.result(10) == 42


def test_a_submission_from_the_writer_thread_runs_at_once_instead_of_deadlocking() -> None:
    with BookWriter(None) as writer:

        def outer() -> tuple[bool, int]:
            inner = writer.submit(lambda: 7)
            return writer.is_writer_thread(), inner.result(timeout=1)

        assert writer.submit(outer).result(10) == (True, 7)
        assert not writer.is_writer_thread()


def test_prepare_runs_on_the_submitting_thread() -> None:
    prepared_on: list[str] = []

    def prepare(events: Sequence[object]) -> list[Prepared]:
        prepared_on.append(threading.current_thread().name)
        return [(event, None) for event in events]  # type: ignore[misc]

    def commit(items: Sequence[Prepared]) -> IngestResult:
        return IngestResult(stored_messages=len(items))

    with BookWriter(None, commit=commit, prepare=prepare) as w:
        assert w.submit_ingest([_event(1), _event(2)]).result(10).stored_messages == 2
    assert prepared_on == [threading.current_thread().name]


def test_ingest_without_a_bound_commit_says_so() -> None:
    with BookWriter(None) as writer, pytest.raises(RuntimeError, match="no ingest bound"):
        writer.submit_ingest([_event(1)]).result(1)


def test_in_a_burst_the_writer_waits_briefly_for_the_submitters_it_just_answered() -> None:
    """Eight webhook clients, each sending again once answered: one commit carries all eight.

    Without lingering a burst settles into two half-sized groups taking turns (one commits while
    the other is on its way back). A generous linger keeps this test steady on a busy machine.
    """
    sizes: list[int] = []

    def commit(items: Sequence[Prepared]) -> IngestResult:
        sizes.append(len(items))
        threading.Event().wait(0.002)  # stands in for the fsync
        return IngestResult(stored_messages=len(items))

    def client(writer: BookWriter[None], n: int) -> None:
        for k in range(30):
            writer.submit_ingest([_event(n * 100 + k)]).result(10)

    with BookWriter(None, commit=commit, linger_seconds=0.05) as writer:
        clients = [threading.Thread(target=client, args=(writer, n)) for n in range(8)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(30)
    assert sum(sizes) == 8 * 30
    assert sum(sizes) / len(sizes) > 6  # turns of two half groups would average 4


def test_a_lone_submitter_never_waits_for_company() -> None:
    with BookWriter(None, commit=lambda items: IngestResult(), linger_seconds=5.0) as writer:
        for n in range(5):
            writer.submit_ingest([_event(n)]).result(timeout=1)  # would time out if it lingered
