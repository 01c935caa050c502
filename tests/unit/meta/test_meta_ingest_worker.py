"""The single writer thread: group commit, isolation of a failing delivery, clean stop."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from desktop_app.domain.model import IngestResult, UnparsedPayload
from desktop_app.services.ingest import IngestWorker

POISON = UnparsedPayload("meta", "poison", None)


class GatedIngest:
    """Holds the first commit until released, so later submissions pile up into one group."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[list[object]] = []
        self.first = True

    def __call__(self, events: Sequence[object]) -> IngestResult:
        if self.first:
            self.first = False
            self.entered.set()
            self.gate.wait(10)
        if any(e is POISON for e in events):
            self.calls.append([])
            raise OSError("constraint failed")
        self.calls.append(list(events))
        return IngestResult(stored_messages=len(events))


def _event(n: int) -> UnparsedPayload:
    return UnparsedPayload("meta", f"event {n}", n)


def test_waiting_submissions_share_one_commit() -> None:
    ingest = GatedIngest()
    with IngestWorker(ingest) as worker:
        first = worker.submit([_event(0)])
        assert ingest.entered.wait(10)
        later = [worker.submit([_event(n)]) for n in range(1, 6)]
        ingest.gate.set()
        assert first.result(10).stored_messages == 1
        assert all(f.result(10).stored_messages == 5 for f in later)
    assert [len(c) for c in ingest.calls] == [1, 5]
    assert worker.commits == 2


def test_a_failing_delivery_does_not_fail_its_neighbours() -> None:
    ingest = GatedIngest()
    with IngestWorker(ingest) as worker:
        first = worker.submit([_event(0)])
        assert ingest.entered.wait(10)
        good_a = worker.submit([_event(1)])
        bad = worker.submit([POISON])
        good_b = worker.submit([_event(2)])
        ingest.gate.set()
        first.result(10)
        assert good_a.result(10).stored_messages == 1
        assert good_b.result(10).stored_messages == 1
        with pytest.raises(OSError, match="constraint failed"):
            bad.result(10)


def test_submit_after_stop_fails_clearly() -> None:
    worker = IngestWorker(lambda events: IngestResult()).start()
    assert worker.submit([]).result(10) == IngestResult()
    worker.stop()
    with pytest.raises(RuntimeError, match="not running"):
        worker.submit([]).result(1)


def test_stop_finishes_what_was_submitted() -> None:
    ingest = GatedIngest()
    worker = IngestWorker(ingest).start()
    futures = [worker.submit([_event(n)]) for n in range(3)]
    ingest.gate.set()
    worker.stop()
    assert all(f.done() and f.exception() is None for f in futures)
