"""Consent book benchmark: may_send latency, append rate, rebuild, export speed and memory, UI queries.

Prints figures (run with `pytest tests/bench/test_book_bench.py -s`); asserts correctness only.
Size: CONSENT_DESK_BENCH_CONTACTS (default 50,000; the issue's figure is 1,000,000), with twice as many
ledger events, and messages for up to 100,000 contacts (5 each). CONSENT_DESK_BENCH_DIR picks the folder;
CONSENT_DESK_BENCH_KEEP=1 keeps the generated book there and reuses it on the next run.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.consent import GENESIS_HASH, decide, derive_states, event_hash
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.book import ConsentBook

CONTACTS = int(os.environ.get("CONSENT_DESK_BENCH_CONTACTS", "50000"))
EVENTS = 2 * CONTACTS
MESSAGE_CONTACTS = min(CONTACTS, 100_000)
MESSAGES_EACH = 5
T0 = datetime(2025, 1, 1, tzinfo=UTC)
CATEGORIES = ("all", "marketing", "order_updates")
SOURCES = ("keyword", "phrase", "button", "meta_preference", "import")
BATCH = 50_000
KEEP = os.environ.get("CONSENT_DESK_BENCH_KEEP") == "1"  # keep (and reuse) the generated book

pytestmark = pytest.mark.slow


def key_of(i: int) -> str:
    return f"+1{2_000_000_000 + i}"


def report(name: str, value: str) -> None:
    print(f"  {name:<46} {value}")


def generate(book: ConsentBook) -> None:
    """Bulk-load contacts, a valid hash-chained ledger (occurred_at out of arrival order) and messages."""
    rng = random.Random(4)
    created = T0.isoformat(timespec="microseconds")
    with book.unit_of_work() as uow:
        raw = uow._raw
        for start in range(0, CONTACTS, BATCH):
            raw.executemany(
                "INSERT INTO contacts(key, kind, name, created_at, unread_count, pending_count, opted_out) "
                "VALUES (?, 'phone', ?, ?, 0, 0, 0)",
                ((key_of(i), f"Customer {i}", created) for i in range(start, min(CONTACTS, start + BATCH))),
            )
        previous = GENESIS_HASH
        rows = []
        for event_id in range(1, EVENTS + 1):
            recorded = T0 + timedelta(seconds=event_id)
            occurred = recorded - timedelta(seconds=rng.randrange(0, 7200))  # up to 2 h late
            fields = {
                "id": event_id,
                "contact_key": key_of(rng.randrange(CONTACTS)),
                "category": CATEGORIES[rng.randrange(3)],
                "action": "opt_out" if rng.random() < 0.6 else "opt_in",
                "occurred_at": occurred.isoformat(timespec="microseconds"),
                "recorded_at": recorded.isoformat(timespec="microseconds"),
                "source": SOURCES[event_id % len(SOURCES)],
                "decided_by": "auto:bench",
                "evidence_message_id": f"wamid.{event_id}",
                "evidence_text": "STOP",
                "note": None,
                "dedupe_key": None,
            }
            previous = event_hash(previous, fields)
            rows.append((*fields.values(), "", previous))
            if len(rows) == BATCH:
                _insert_events(raw, rows)
        _insert_events(raw, rows)
        for start in range(0, MESSAGE_CONTACTS, 10_000):
            raw.executemany(
                "INSERT INTO messages(contact_id, direction, provider, provider_message_id, kind, text, "
                "occurred_at, recorded_at) VALUES (?, 'inbound', 'bench', ?, 'text', ?, ?, ?)",
                (
                    (cid, f"m{cid}-{n}", f"hello {n} from {cid}", at, at)
                    for cid in range(start + 1, min(MESSAGE_CONTACTS, start + 10_000) + 1)
                    for n in range(MESSAGES_EACH)
                    for at in [(T0 + timedelta(minutes=cid + n)).isoformat(timespec="microseconds")]
                ),
            )
        raw.execute(
            "UPDATE contacts SET last_message_id = m.id, last_text = m.text, last_at = m.occurred_at, "
            "last_direction = 'inbound', unread_count = 1 FROM (SELECT contact_id, max(id) AS id, text, "
            "max(occurred_at) AS occurred_at FROM messages GROUP BY contact_id) AS m "
            "WHERE m.contact_id = contacts.id"
        )


def _insert_events(raw, rows: list) -> None:
    # prev_hash is the previous row's hash; fill it from the list we just built
    fixed = [(*row[:12], rows[i - 1][13] if i else _last_hash(raw), row[13]) for i, row in enumerate(rows)]
    raw.executemany(
        "INSERT INTO consent_events(id, contact_key, category, action, occurred_at, recorded_at, source, "
        "decided_by, evidence_message_id, evidence_text, note, dedupe_key, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fixed,
    )
    rows.clear()


def _last_hash(raw) -> str:
    row = raw.execute("SELECT hash FROM consent_events ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS_HASH


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentBook]:
    folder = Path(os.environ.get("CONSENT_DESK_BENCH_DIR") or tmp_path_factory.mktemp("bench"))
    path = folder / f"bench-book-{CONTACTS}.sqlite3"
    reuse = KEEP and path.exists()
    if not reuse:
        path.unlink(missing_ok=True)
    book = ConsentBook.open(path)
    print(
        f"\nconsent book benchmark: {CONTACTS:,} contacts, {EVENTS:,} ledger events, "
        f"{MESSAGE_CONTACTS * MESSAGES_EACH:,} messages{' (reusing the kept book)' if reuse else ''}"
    )
    if not reuse:
        started = time.perf_counter()
        generate(book)
        report("generate (bulk, with hashes)", f"{time.perf_counter() - started:.1f} s")
        book.close()  # a book at rest, as the app finds it when it starts: the WAL copied in
        book = ConsentBook.open(path)
    started = time.perf_counter()
    states = book.rebuild_state()
    report("rebuild state from ledger", f"{time.perf_counter() - started:.2f} s ({states:,} state rows)")
    book.checkpoint("TRUNCATE")
    report("file size", f"{path.stat().st_size / 1e6:.0f} MB")
    yield book
    book.close()
    if not KEEP:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def test_may_send_latency_and_correctness(big_book: ConsentBook) -> None:
    rng = random.Random(7)
    sample = [key_of(rng.randrange(CONTACTS)) for _ in range(100_000)]
    for key in sample[:2000]:
        big_book.may_send(key, "marketing")  # warm the page cache like a running app
    timings, cpu = [], []
    for key in sample:
        started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
        big_book.may_send(key, "marketing")
        cpu.append(time.thread_time_ns() - started_cpu)
        timings.append(time.perf_counter_ns() - started)
    for label, values in (("wall", timings), ("CPU, without waits for a core", cpu)):
        values.sort()
        p50, p99 = values[len(values) // 2] / 1000, values[int(len(values) * 0.99)] / 1000
        report(
            f"may_send(E.164) {label} p50 / p99", f"{p50:.1f} / {p99:.1f} us (max {values[-1] / 1000:.0f})"
        )
    typed = [f"({k[2:5]}) {k[5:8]}-{k[8:]}" for k in sample[:20_000]]
    started = time.perf_counter()
    for number in typed:
        big_book.may_send(number, "marketing")
    report(
        "may_send(typed local number) mean", f"{(time.perf_counter() - started) / len(typed) * 1e6:.1f} us"
    )

    for key in sample[:300]:  # the gate agrees with the pure rules applied to the full history
        expected = decide(derive_states(big_book.history(key)), "marketing")
        assert big_book.may_send(key, "marketing").allowed == expected.allowed


def test_append_rate_single_writer(big_book: ConsentBook) -> None:
    now = datetime.now(UTC)
    total, per_tx = 20_000, 1_000
    started = time.perf_counter()
    for start in range(0, total, per_tx):
        with big_book.unit_of_work() as uow:
            for i in range(start, start + per_tx):
                uow.append_event(
                    NewConsentEvent(
                        key_of(i * 37 % CONTACTS),
                        CATEGORIES[i % 3],
                        ConsentAction.OPT_OUT,
                        now,
                        EventSource.KEYWORD,
                        "auto:bench",
                        evidence_text="STOP",
                    )
                )
    elapsed = time.perf_counter() - started
    report(f"append (hash + state), {per_tx} per transaction", f"{total / elapsed:,.0f} events/s")
    assert not big_book.may_send(key_of(37), "marketing").allowed  # i = 1 opted it out of marketing just now
    single = 300
    started = time.perf_counter()
    for i in range(single):
        with big_book.unit_of_work() as uow:
            uow.append_event(
                NewConsentEvent(
                    key_of(i), "marketing", ConsentAction.OPT_IN, now, EventSource.MANUAL, "owner"
                )
            )
    elapsed = time.perf_counter() - started
    report("append, one event per transaction (fsync)", f"{single / elapsed:,.0f} events/s")
    big_book.checkpoint("TRUNCATE")  # the next tests read a book at rest


# Heap growth is what "flat memory" means: RssAnon, sampled at every batch through the progress callback
# (file pages read through mmap also count as RSS but are the OS page cache, not our memory).
_EXPORT_SCRIPT = """
import json, os, sys, time
from pathlib import Path
from desktop_app.storage.book import ConsentBook

def anon_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return 0

book = ConsentBook.open(sys.argv[1])
before = anon_kb()
peak = [before]
with open(os.devnull, "w", newline="", encoding="utf-8") as sink:
    started = time.perf_counter()
    rows = book.export_ledger(sink, sys.argv[2], progress=lambda done, total: peak.append(anon_kb()))
    elapsed = time.perf_counter() - started
book.close()
print(json.dumps({"rows": rows, "seconds": elapsed, "anon_before_kb": before, "anon_peak_kb": max(peak)}))
"""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_ledger_export_streams_with_flat_memory(big_book: ConsentBook, fmt: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _EXPORT_SCRIPT, str(big_book.path), fmt],
        capture_output=True,
        text=True,
        check=True,
        timeout=1200,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    grown = (figures["anon_peak_kb"] - figures["anon_before_kb"]) / 1024
    report(
        f"export ledger {fmt}",
        f"{figures['rows'] / figures['seconds']:,.0f} rows/s ({figures['rows']:,} rows, heap "
        f"{figures['anon_before_kb'] / 1024:.0f} MB before, peak +{grown:.1f} MB during)",
    )
    assert figures["rows"] >= EVENTS


def test_verify_and_ui_queries(big_book: ConsentBook) -> None:
    started = time.perf_counter()
    result = big_book.verify()
    report("verify whole chain", f"{time.perf_counter() - started:.1f} s ({result.checked:,} rows)")
    assert result.ok and result.checked >= EVENTS

    def timed(label: str, call) -> object:
        runs = []
        value = None
        for _ in range(5):
            started = time.perf_counter()
            value = call()
            runs.append(time.perf_counter() - started)
        report(label, f"{statistics.median(runs) * 1000:.1f} ms")
        return value

    page = timed("conversations(all) first page of 100", lambda: big_book.conversations(limit=100))
    assert len(page) == 100
    timed(
        "conversations(all) page at offset 50,000", lambda: big_book.conversations(offset=50_000, limit=100)
    )
    assert timed("count_conversations(all)", big_book.count_conversations) == MESSAGE_CONTACTS
    timed("conversations(search='Customer 4242')", lambda: big_book.conversations(search="Customer 4242"))
    timed("thread(contact)", lambda: big_book.thread(page[0].contact_key))
    rows = timed("consent_page(opted_out) first 200", lambda: big_book.consent_page("opted_out", limit=200))
    assert rows and all(r.state == "opted_out" for r in rows)
    timed("consent_page(all) first 200", lambda: big_book.consent_page(limit=200))
    timed("count_consent(opted_out)", lambda: big_book.count_consent("opted_out"))
    timed("consent_page(search=key)", lambda: big_book.consent_page(search=key_of(12345)[2:]))
    # the window's table: a row per contact, a column per category (keyset pages: the same cost at any depth)
    first = timed("contact_consent_page(all) first 200", lambda: big_book.contact_consent_page(limit=200))
    assert len({row.contact_key for row in first}) == len(first) == 200
    deep = first[-1].position
    for _ in range(49):  # 10,000 contacts down, as scrolling would get there
        deep = big_book.contact_consent_page(after=deep, limit=200)[-1].position
    timed("contact_consent_page(all) 10,000 down", lambda: big_book.contact_consent_page(after=deep))
    timed("contact_consent_page(opted_out) first 200", lambda: big_book.contact_consent_page("opted_out"))
    timed("count_contact_consent(all)", big_book.count_contact_consent)
    timed("count_contact_consent(opted_out)", lambda: big_book.count_contact_consent("opted_out"))
    timed("weekly_stats(12)", big_book.weekly_stats)
