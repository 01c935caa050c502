"""The WAL stays bounded under a burst through the real ingest path; idle, it is truncated."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.checkpoint import MIB, Checkpointer, CheckpointPolicy
from tests.integration.storage.conftest import T0

IDLE_S = 5.0
RESTART_ABOVE = 1 * MIB
WAVES = 30
WAVE = 150  # messages submitted (one delivery each, as webhooks do) between two checkpoint ticks


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def clock() -> Monotonic:
    return Monotonic()


@pytest.fixture
def book(book_path: Path, clock: Monotonic) -> Iterator[ConsentBook]:
    # The thread never ticks on its own (every hour); the test ticks it, so nothing depends on timing.
    policy = CheckpointPolicy(
        every_s=3600, above_bytes=0, restart_above_bytes=RESTART_ABOVE, idle_s=IDLE_S, clock=clock
    )
    opened = ConsentBook.open(book_path, checkpoints=policy)
    yield opened
    opened.close()


def checkpointer(book: ConsentBook) -> Checkpointer:
    return book._checkpointer


def message(i: int) -> InboundMessage:
    text = "STOP" if i % 10 == 0 else "when do you open tomorrow? " * 4
    return InboundMessage(
        "meta", f"burst-{i}", ContactRef(f"+1556{i:07d}"), T0 + timedelta(seconds=i), text=text
    )


def burst(book: ConsentBook, book_path: Path, clock: Monotonic) -> tuple[list[int], list[str | None]]:
    """WAVES waves of webhook-like deliveries through the ingest worker, a checkpoint tick after each."""
    settings = Settings(provider="meta", auto_mode=True)
    pipeline = IngestPipeline(book, build_detector(settings), settings)
    stop_reading = threading.Event()

    def reader() -> None:  # the window reads all the while; each snapshot pins the WAL for a moment
        raw = sqlite3.connect(book_path, isolation_level=None)
        try:
            while not stop_reading.is_set():
                raw.execute("BEGIN")
                raw.execute("SELECT count(*) FROM messages").fetchone()
                stop_reading.wait(0.01)
                raw.execute("COMMIT")
                book.may_send("+15560000001", "marketing")
        finally:
            raw.close()

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    sizes, modes = [], []
    try:
        with BookWriter(book, commit=pipeline.ingest_prepared, prepare=pipeline.prepare) as worker:
            for start in range(0, WAVES * WAVE, WAVE):
                futures = [worker.submit_ingest([message(i)]) for i in range(start, start + WAVE)]
                for future in futures:
                    future.result(timeout=60)
                sizes.append(wal_size(book_path))
                clock.now += 0.5  # the thread's usual interval: traffic, so never "idle"
                modes.append(checkpointer(book).tick())
    finally:
        stop_reading.set()
        for thread in readers:
            thread.join()
    return sizes, modes


def test_a_burst_keeps_the_wal_bounded_and_idle_truncates_it(
    book: ConsentBook, book_path: Path, clock: Monotonic
) -> None:
    sizes, modes = burst(book, book_path, clock)
    wave_bytes = max(b - a for a, b in itertools.pairwise(sizes))
    assert "RESTART" in modes
    assert max(sizes) <= RESTART_ABOVE + 2 * wave_bytes, (sizes, modes)
    assert max(sizes) < 4 * MIB, sizes  # 20 waves wrote far more than that: the WAL was rewound
    assert not book.may_send("+15560000000", "marketing").allowed  # the STOPs were applied

    assert wal_size(book_path) > 0
    clock.now += IDLE_S / 2
    assert checkpointer(book).tick() is None  # idle, but not for long enough yet
    assert wal_size(book_path) > 0
    clock.now += IDLE_S
    assert checkpointer(book).tick() == "TRUNCATE"
    assert wal_size(book_path) == 0
    assert book.count_conversations() == WAVES * WAVE


def test_passive_copies_alone_let_the_wal_grow(book_path: Path, clock: Monotonic) -> None:
    """The old policy, for contrast: every frame copied, yet pinned snapshots keep the WAL from rewinding."""
    policy = CheckpointPolicy(every_s=3600, above_bytes=0, restart_above_bytes=1 << 40, clock=clock)
    book = ConsentBook.open(book_path, checkpoints=policy)
    try:
        sizes, modes = burst(book, book_path, clock)
    finally:
        book.close()
    assert set(modes) == {"PASSIVE"}
    assert max(sizes) > 4 * MIB, sizes


def test_a_write_restarts_the_idle_wait(book: ConsentBook, book_path: Path, clock: Monotonic) -> None:
    settings = Settings(provider="meta")
    pipeline = IngestPipeline(book, build_detector(settings), settings)
    pipeline.ingest([message(1)])
    assert checkpointer(book).tick() in ("PASSIVE", None)
    clock.now += IDLE_S - 1
    pipeline.ingest([message(2)])  # a write just before the idle mark: the wait starts again
    checkpointer(book).tick()
    clock.now += 2
    assert checkpointer(book).tick() is None
    assert wal_size(book_path) > 0
    clock.now += IDLE_S
    assert checkpointer(book).tick() == "TRUNCATE"
    assert wal_size(book_path) == 0


def test_writers_shrink_a_rewound_wal_back_to_the_limit(book_path: Path) -> None:
    from desktop_app.storage.checkpoint import WAL_SIZE_LIMIT_BYTES
    from desktop_app.storage.engine import configure_connection

    raw = sqlite3.connect(book_path)
    try:
        configure_connection(raw, auto_checkpoint=False)
        assert raw.execute("PRAGMA journal_size_limit").fetchone()[0] == WAL_SIZE_LIMIT_BYTES
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 0  # a far backstop, never off
    finally:
        raw.close()
