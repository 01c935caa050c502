"""WAL size benchmark: a 12,000-message burst on an ~8 MiB book, with the window reading; prints the figures.

Run with `make bench` or `pytest tests/bench/test_wal_bench.py -s -o addopts=`. The checkpoint thread
runs on its own (real time); only the idle interval is shortened so the idle truncation shows up within
seconds. "PASSIVE only" is the policy before issue 10 (copy above 8 MiB, never rewind, never truncate).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.checkpoint import MIB, CheckpointPolicy

COUNT = int(os.environ.get("CONSENT_DESK_BENCH_COUNT", "12000"))
CLIENTS = 8
IDLE_S = 2.0
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.slow


def wal_mib(path: Path) -> float:
    wal = Path(f"{path}-wal")
    return (wal.stat().st_size if wal.exists() else 0) / MIB


def seed(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        for i in range(8000):
            text = "hello there, is my order ready? " * 10
            uow.store_inbound(InboundMessage("meta", f"seed-{i}", ContactRef(f"+1555{i:07d}"), T0, text=text))
    book.checkpoint("TRUNCATE")


def run(path: Path, label: str, policy: CheckpointPolicy) -> None:
    book = ConsentBook.open(path, checkpoints=policy)
    seed(book)
    settings = Settings(provider="meta", auto_mode=True)
    pipeline = IngestPipeline(book, build_detector(settings), settings)
    peak, stop = [0.0], threading.Event()

    def monitor() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], wal_mib(path))

    def reader() -> None:  # the window's queries while the burst arrives
        while not stop.wait(0.002):
            book.may_send("+15560000001", "marketing")
            book.conversations(limit=50)

    def client(worker: BookWriter, k: int) -> None:
        pending = []
        for i in range(k, COUNT, CLIENTS):
            text = "STOP" if i % 10 == 0 else "when do you open tomorrow? " * 4
            msg = InboundMessage(
                "meta", f"burst-{i}", ContactRef(f"+1556{i:07d}"), T0 + timedelta(seconds=i), text=text
            )
            pending.append(worker.submit_ingest([msg]))
            if len(pending) > 20:
                pending.pop(0).result()
        for future in pending:
            future.result()

    side = [threading.Thread(target=monitor), threading.Thread(target=reader)]
    for thread in side:
        thread.start()
    began = time.monotonic()
    with BookWriter(book, commit=pipeline.ingest_prepared, prepare=pipeline.prepare) as worker:
        clients = [threading.Thread(target=client, args=(worker, k)) for k in range(CLIENTS)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    took = time.monotonic() - began
    end = wal_mib(path)
    time.sleep(IDLE_S + 2 * policy.every_s + 0.5)
    stop.set()
    for thread in side:
        thread.join()
    idle = wal_mib(path)
    book.close()
    print(
        f"  {label:<14} book {path.stat().st_size / MIB:5.1f} MiB  {COUNT} msgs in {took:5.1f} s "
        f"({COUNT / took:5.0f}/s)  WAL peak {peak[0]:6.1f} MiB, at end {end:6.1f} MiB, "
        f"after {IDLE_S + 2 * policy.every_s + 0.5:.1f} s idle {idle:6.1f} MiB"
    )


def test_wal_size_under_a_burst(tmp_path: Path) -> None:
    print()
    before = CheckpointPolicy(
        every_s=1.0, above_bytes=8 * MIB, restart_above_bytes=1 << 40, idle_s=float("inf")
    )
    run(tmp_path / "passive.sqlite3", "PASSIVE only", before)
    run(tmp_path / "bounded.sqlite3", "bounded", CheckpointPolicy(idle_s=IDLE_S))
