"""Twilio catch-up benchmark: 10,000 waiting messages in pages of 1,000, ingested with detection.

Run with `pytest tests/bench/test_twilio_bench.py -s`. The fake Twilio runs in its own process so
the memory figures are the app's alone. Asserts correctness only (every SID stored once, opt-outs
found); prints messages/s and peak memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from desktop_app.domain.model import IngestResult, ProviderEvent
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.services.poller import TwilioPoller, cursor_name
from desktop_app.services.settings import Settings
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, BUSINESS
from tests.integration.twilio.booktools import make_pipeline, open_book, stored_inbound_sids

COUNT = int(os.environ.get("CONSENT_DESK_BENCH_COUNT", "10000"))
PAGE = 1000
REPO = Path(__file__).resolve().parents[2]

# The fake, filled with COUNT inbound messages over the last ~22 hours, serving until stdin closes.
FAKE_PROCESS = """
import sys
from datetime import UTC, datetime, timedelta
from tests.fakes.twilio_server import FakeTwilio

TEXTS = [
    "Hi, are you open on Sunday?", "STOP", "Do you deliver to Elm Street?", "thanks!",
    "please stop sending me promotions", "can you stop by at 5 to drop off the cake?", "BAJA",
    "Quiero saber el precio de la torta", "unsubscribe", "Bom dia! Vocês têm pão sem glúten?",
    "Is my order ready?", "no more messages please", "Parar", "See you tomorrow", "START",
    "Est-ce que vous livrez le samedi ?", "cancel my order please", "Stop promotions",
]
count = int(sys.argv[1])
now = datetime.now(UTC)
with FakeTwilio() as fake:
    for i in range(count):
        text = TEXTS[i % len(TEXTS)]
        button = text == "Stop promotions"
        extra = {"ButtonText": text, "ButtonPayload": "STOP_PROMOTIONS"} if button else None
        when = now - timedelta(seconds=8 * i)
        fake.add_message(f"whatsapp:+1555{i % 2500:07d}", text, date_sent=when, extra=extra)
    print(fake.base_url, flush=True)
    sys.stdin.read()
"""


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", FAKE_PROCESS, str(COUNT)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(30)
        process.stdout.close()


def catch_up(fake_url: str, book_path: Path) -> tuple[float, list[IngestResult], int]:
    results: list[IngestResult] = []
    client = TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, API_SECRET), fake_url)
    with open_book(book_path) as book:
        pipeline = make_pipeline(book, Settings(provider="twilio"))

        def sink(events: Sequence[ProviderEvent]) -> None:
            results.append(pipeline.ingest(events))

        poller = TwilioPoller(
            client, BUSINESS, book, sink, cursor_name=cursor_name(ACCOUNT_SID, BUSINESS), page_size=PAGE
        )
        started = time.perf_counter()
        report = poller.poll_once()
        seconds = time.perf_counter() - started
    client.close()
    return seconds, results, report.pages


def fetch_only(fake_url: str) -> float:
    """The same walk with nothing stored: how much of the time is HTTP + JSON."""
    client = TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, API_SECRET), fake_url)
    started = time.perf_counter()
    page = client.list_messages(to=BUSINESS, page_size=PAGE)
    while page.next_page_uri:
        page = client.next_page(page.next_page_uri)
    client.close()
    return time.perf_counter() - started


@pytest.mark.slow
def test_twilio_catch_up_after_a_day_offline(fake_url: str, tmp_path: Path) -> None:
    print(f"\nTwilio catch-up: {COUNT} waiting inbound messages, pages of {PAGE}, real book + detector")
    fetch_seconds = fetch_only(fake_url)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    seconds, results, pages = catch_up(fake_url, tmp_path / "timed.sqlite3")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    stored = stored_inbound_sids(tmp_path / "timed.sqlite3")
    assert len(stored) == COUNT == len(set(stored))
    assert pages == -(-COUNT // PAGE)
    assert sum(r.stored_messages for r in results) == COUNT
    pending = sum(len(r.detections) for r in results)
    applied = sum(len(r.applied_event_ids) for r in results)
    assert pending > 0 and applied > 0

    tracemalloc.start()
    traced_seconds, _, _ = catch_up(fake_url, tmp_path / "traced.sqlite3")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"  catch-up (fetch+parse+store+detect): {COUNT / seconds:8.0f} msg/s  ({seconds:.2f} s, {pages} pg)"
    )
    print(
        f"  HTTP + JSON walk alone:              {COUNT / fetch_seconds:8.0f} msg/s  ({fetch_seconds:.2f} s)"
    )
    print(f"  detections for review: {pending}, consent events applied at once (buttons): {applied}")
    print(
        f"  peak Python allocations during catch-up (tracemalloc): {peak / 2**20:.1f} MiB "
        f"(traced run took {traced_seconds:.2f} s)"
    )
    grew = (rss_after - rss_before) / 1024
    print(f"  process peak RSS: {rss_after / 1024:.0f} MiB (grew {grew:.0f} MiB during the timed run)")
