"""Start-up integrity check cost on a large book: quick_check alone, a whole open, a search-index repair.

Prints figures (`pytest tests/bench/test_integrity_bench.py -s -o addopts=`); asserts correctness only.
Size: CONSENT_DESK_BENCH_CONTACTS (default 200,000) contacts, twice as many ledger events and five
messages each (search-indexed). CONSENT_DESK_BENCH_DIR picks the folder; CONSENT_DESK_BENCH_KEEP=1
keeps the generated book there and reuses it. The OS page cache is warm on the second open (as on a
restart); the first quick_check after generation is as cold as this machine lets a test make it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from desktop_app.storage.book import ConsentBook
from desktop_app.storage.integrity import quick_check

CONTACTS = int(os.environ.get("CONSENT_DESK_BENCH_CONTACTS", "200000"))
KEEP = os.environ.get("CONSENT_DESK_BENCH_KEEP") == "1"
CHUNK = 50_000

pytestmark = pytest.mark.slow


def report(name: str, value: str) -> None:
    print(f"  {name:<46} {value}")


def generate(path: Path) -> None:
    """Bulk rows straight into the schema (the hashes are filler: this measures pages, not proofs)."""
    ConsentBook.open(path).close()
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("BEGIN")
        stamp = "2026-01-01T00:00:00.000000+00:00"
        for start in range(0, CONTACTS, CHUNK):
            ids = range(start + 1, min(CONTACTS, start + CHUNK) + 1)
            raw.executemany(
                "INSERT INTO contacts(id, key, kind, name, created_at, unread_count, pending_count, "
                "opted_out) VALUES (?, ?, 'phone', ?, ?, 0, 0, 0)",
                ((i, f"+1{2_000_000_000 + i}", f"Customer {i}", stamp) for i in ids),
            )
            raw.executemany(
                "INSERT INTO consent_events(contact_key, category, action, occurred_at, recorded_at, "
                "source, decided_by, evidence_text, prev_hash, hash) VALUES "
                "(?, ?, 'opt_out', ?, ?, 'keyword', 'auto:bench', 'STOP', ?, ?)",
                (
                    (f"+1{2_000_000_000 + i}", category, stamp, stamp, "0" * 64, f"{i:064d}")
                    for i in ids
                    for category in ("marketing", "all")
                ),
            )
            raw.executemany(
                "INSERT INTO messages(contact_id, direction, provider, provider_message_id, kind, text, "
                "occurred_at, recorded_at) VALUES (?, 'inbound', 'bench', ?, 'text', ?, ?, ?)",
                (
                    (
                        i,
                        f"m{i}-{n}",
                        f"hello {n} from customer {i}, is the order {i % 977} ready?",
                        stamp,
                        stamp,
                    )
                    for i in ids
                    for n in range(5)
                ),
            )
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    book = ConsentBook.open(path)
    book.rebuild_state()
    book.close()


@pytest.fixture(scope="module")
def big_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("CONSENT_DESK_BENCH_DIR") or tmp_path_factory.mktemp("bench"))
    path = folder / f"integrity-book-{CONTACTS}.sqlite3"
    if not (KEEP and path.exists()):
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        generate(path)
        report("generate", f"{time.perf_counter() - started:.1f} s")
    return path


def test_quick_check_cost_at_start(big_path: Path) -> None:
    size = big_path.stat().st_size / 2**20
    print(f"\nintegrity benchmark: {CONTACTS:,} contacts, {2 * CONTACTS:,} events, {5 * CONTACTS:,} messages")
    report("book size", f"{size:,.0f} MiB")
    for run in ("first", "second"):
        raw = sqlite3.connect(f"file:{big_path}?mode=ro", uri=True)
        started = time.perf_counter()
        problems = quick_check(raw)
        took = time.perf_counter() - started
        raw.close()
        assert problems == []
        report(f"PRAGMA quick_check ({run})", f"{took:.2f} s  ({size / took:,.0f} MiB/s)")
    started = time.perf_counter()
    book = ConsentBook.open(big_path)
    took = time.perf_counter() - started
    try:
        assert book.repairs == []
    finally:
        book.close()
    report("ConsentBook.open (check included)", f"{took:.2f} s")


def test_search_index_repair_cost(big_path: Path, tmp_path: Path) -> None:
    from tests.integration.storage.test_integrity_repair import damage

    copy = tmp_path / "damaged.sqlite3"
    shutil.copyfile(big_path, copy)
    for sidecar in big_path.parent.glob(f"{big_path.name}.*"):  # e.g. its anchor
        shutil.copyfile(sidecar, tmp_path / sidecar.name.replace(big_path.name, copy.name))
    pages = damage(copy, "messages_fts_data")
    started = time.perf_counter()
    book = ConsentBook.open(copy)
    took = time.perf_counter() - started
    try:
        assert any("message-search index" in line for line in book.repairs)
    finally:
        book.close()
    raw = sqlite3.connect(copy)
    try:
        found = raw.execute(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'customer'"
        ).fetchone()
    finally:
        raw.close()
    assert found[0] == 5 * CONTACTS
    report(f"open + repair ({pages:,} search pages damaged)", f"{took:.1f} s")
