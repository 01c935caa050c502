"""Webhook burst benchmark: 10,000 signed POSTs from 8 clients in another process; prints the figures.

Run with `make bench` or `pytest tests/bench/test_webhook_bench.py -s`. It asserts correctness only
(every POST answered 200, every message stored once, detections made); the numbers are printed.
The GUI event-loop stall part of the issue's benchmark belongs with the UI tests.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from desktop_app.domain.model import IngestResult
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.ingest import IngestPipeline, Prepared
from desktop_app.services.meta_webhook import MetaWebhookService
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import HttpRequest, HttpResponse, WebhookServer

SECRET = "bench_app_secret_not_real"
COUNT = int(os.environ.get("CONSENT_DESK_BENCH_COUNT", "10000"))
CLIENTS = 8
CLIENT_SCRIPT = Path(__file__).with_name("webhook_load_client.py")


def _burst(host: str, port: int, prefix: str) -> dict:
    cpu_began = time.process_time()
    completed = subprocess.run(
        [sys.executable, str(CLIENT_SCRIPT), host, str(port), str(COUNT), str(CLIENTS), SECRET, prefix],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    run = json.loads(completed.stdout)
    run["server_cpu_seconds"] = time.process_time() - cpu_began  # this process: the server's threads
    return run


def _figures(label: str, run: dict) -> float:
    latencies = sorted(run["latencies_ms"])
    rate = len(latencies) / run["seconds"]
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"  {label:<32} {rate:8.0f} msg/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"max {latencies[-1]:6.1f} ms   ({len(latencies)} POSTs in {run['seconds']:.2f} s)"
    )
    print(
        f"  {'':<32} CPU per message: server {run['server_cpu_seconds'] / len(latencies) * 1000:.2f} ms, "
        f"clients {run['client_cpu_seconds'] / len(latencies) * 1000:.2f} ms"
    )
    return rate


@pytest.mark.slow
def test_webhook_burst(tmp_path: Path) -> None:
    from desktop_app.domain.detection import Detector, Lexicon
    from desktop_app.storage.book import ConsentBook

    print(f"\nWebhook burst: {COUNT} signed POSTs, {CLIENTS} keep-alive clients in a separate process")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run")

    # 1. Ceiling: the same server, a handler that does nothing.
    def noop(request: HttpRequest) -> HttpResponse:
        return HttpResponse.text(200, "EVENT_RECEIVED")

    with WebhookServer("127.0.0.1", 0) as ceiling_server:
        ceiling_server.add_route("POST", "/webhook", noop)
        ceiling = _burst(*ceiling_server.address, prefix="noop")
    assert ceiling["statuses"] == {"200": COUNT}
    ceiling_rate = _figures("no-op handler (ceiling)", ceiling)

    # 2. Full path: signature, parse, store, detect, decide, commit, then 200.
    book = ConsentBook.open(tmp_path / "bench.sqlite3", default_region="US", backup_dir=tmp_path / "bk")
    commits: list[int] = []
    writer_busy: list[float] = []
    writer_cpu: list[float] = []  # of the busy time, what the writer thread itself computed
    try:
        pipeline = IngestPipeline(book, Detector(Lexicon.load_default()), Settings(auto_mode=False))

        def counted(prepared: Sequence[Prepared]) -> IngestResult:
            began, cpu_began = time.perf_counter(), time.thread_time()
            result = pipeline.ingest_prepared(prepared)
            writer_busy.append(time.perf_counter() - began)
            writer_cpu.append(time.thread_time() - cpu_began)
            commits.append(result.stored_messages)
            return result

        writer = BookWriter(book, commit=counted, prepare=pipeline.prepare)
        service = MetaWebhookService(writer, app_secret=SECRET, verify_token="x", host="127.0.0.1", port=0)
        with writer, service:
            full = _burst(*service.server.address, prefix="full")
    finally:
        book.close()
    assert full["statuses"] == {"200": COUNT}
    full_rate = _figures("full ingest (committed before 200)", full)
    print(
        f"  group commit: {len(commits)} transactions, "
        f"{statistics.mean(commits):.1f} messages each on average"
    )
    print(
        f"  writer thread busy {sum(writer_busy):.2f} s of {full['seconds']:.2f} s; "
        f"{statistics.mean(writer_busy) * 1000:.2f} ms per transaction"
    )
    print(
        f"  {'':<32} of which its own CPU {statistics.mean(writer_cpu) * 1000:.2f} ms per transaction, "
        f"{sum(writer_cpu) / COUNT * 1000:.3f} ms per message; the rest waits (fsync, the GIL)"
    )
    print(f"  full ingest / ceiling: {full_rate / ceiling_rate:.0%}")

    with sqlite3.connect(tmp_path / "bench.sqlite3") as db:
        stored = db.execute("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'").fetchone()[0]
        detections = db.execute("SELECT COUNT(*) FROM detections").fetchone()[0]
    db.close()
    assert stored == COUNT
    assert detections >= COUNT * 4 // 10  # STOP, BAJA, unsubscribe, sentences: at least 4 in 10 texts


def test_writer_worker_alone_is_correct() -> None:
    """A cheap companion check so the bench module always asserts something quickly."""
    seen: list[int] = []

    def ingest(events: Sequence[Prepared]) -> IngestResult:
        seen.append(len(events))
        return IngestResult()

    with BookWriter(None, commit=ingest) as worker:
        futures = [worker.submit_ingest([]) for _ in range(50)]
        for future in futures:
            future.result(timeout=10)
    assert sum(seen) == 0 and 1 <= len(seen) <= 50
