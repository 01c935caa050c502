"""Damaged derived structures (search index, state cache, indexes) are rebuilt; no opt-out is refused."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

import pytest

from desktop_app.domain.model import MARKETING, ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.book import ConsentBook
from tests.integration.meta.pipeline_helpers import APP_SECRET, fresh_body, signed
from tests.integration.meta.test_meta_serve import VERIFY_TOKEN, _start
from tests.integration.storage.conftest import T0, inbound

STOPPER = "+15550101234"  # the sender of the shared text-stop.json fixture


def fill(book: ConsentBook, n: int = 1500) -> None:
    """Messages (search index pages) and opt-outs (state cache pages) for n contacts."""
    with book.unit_of_work() as uow:
        for i in range(n):
            phone = f"1555020{i:04d}"
            uow.store_inbound(inbound(f"fill-{i}", phone, f"hello {i} about the order word{i % 97} " * 4))
            uow.append_event(
                NewConsentEvent(
                    contact_key=f"+{phone}",
                    category=MARKETING,
                    action=ConsentAction.OPT_OUT,
                    occurred_at=T0,
                    source=EventSource.KEYWORD,
                    decided_by="customer",
                )
            )


def damage(path: Path, btree: str) -> int:
    """Overwrite every page of one B-tree (found through dbstat) with garbage, as a bad disk would."""
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
        pages = [int(row[0]) for row in raw.execute("SELECT pageno FROM dbstat WHERE name = ?", (btree,))]
    finally:
        raw.close()
    assert pages, btree
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0  # book closed
    with path.open("r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xa5" * page_size)
    return len(pages)


def quick_check(path: Path) -> list[str]:
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [str(row[0]) for row in raw.execute("PRAGMA quick_check")]
    finally:
        raw.close()


def damaged_book(path: Path, btree: str) -> None:
    book = ConsentBook.open(path)
    fill(book)
    book.close()
    damage(path, btree)
    with contextlib.suppress(sqlite3.DatabaseError):  # so damaged that quick_check gives up: damage too
        assert quick_check(path) != ["ok"]


# -- serve, end to end --------------------------------------------------------------------------------
def serve_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CONSENT_DESK_DATA_DIR=str(data_dir),
        CONSENT_DESK_META_APP_SECRET=APP_SECRET,
        CONSENT_DESK_META_VERIFY_TOKEN=VERIFY_TOKEN,
        CONSENT_DESK_META_ACCESS_TOKEN="",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def log_text(data_dir: Path) -> str:
    return (data_dir / "logs" / "consent-desk.log").read_text(encoding="utf-8")


def test_serve_records_a_stop_on_a_book_whose_search_pages_are_damaged(
    isolated_data_dir: Path, meta_fixtures: Path
) -> None:
    path = isolated_data_dir / "consent-book.sqlite3"
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    damaged_book(path, "messages_fts_data")
    served = _start(serve_env(isolated_data_dir), "--auto")
    try:
        assert served.post(*signed(fresh_body(meta_fixtures, "text-stop.json", id="wamid.stop-1"))) == 200
    finally:
        out = served.stop()
    assert served.process.returncode == 0, out
    logged = log_text(isolated_data_dir)
    assert "Repaired the consent book" in logged and "rebuilt the message-search index" in logged
    assert "Traceback" not in out + logged
    assert quick_check(path) == ["ok"]
    book = ConsentBook.open(path)
    try:
        assert book.repairs == []  # repaired once, sound since
        assert not book.may_send(STOPPER, MARKETING).allowed
        assert not book.may_send("+15550200007", MARKETING).allowed  # the earlier opt-outs survived
        assert [c.contact_key for c in book.conversations(search="STOP")] == [STOPPER]
        assert book.count_conversations(search="word96") == 15  # the old messages are searchable again
        assert book.verify().ok
    finally:
        book.close()


@pytest.mark.expect_log(level="WARNING", match=r"^Repaired the consent book")
def test_serve_records_a_stop_when_the_search_index_breaks_while_it_runs(
    isolated_data_dir: Path, meta_fixtures: Path
) -> None:
    path = isolated_data_dir / "consent-book.sqlite3"
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    book = ConsentBook.open(path)
    fill(book, 200)
    book.close()
    served = _start(serve_env(isolated_data_dir), "--auto")
    try:
        # The index's structure record turns to garbage: the B-tree is sound, FTS5 itself is not.
        vandal = sqlite3.connect(path, isolation_level=None)
        vandal.execute("PRAGMA busy_timeout=10000")
        vandal.execute("UPDATE messages_fts_data SET block = ? WHERE id = 10", (b"\xa5" * 16,))
        vandal.close()
        assert served.post(*signed(fresh_body(meta_fixtures, "text-stop.json", id="wamid.stop-2"))) == 200
    finally:
        out = served.stop()
    assert served.process.returncode == 0, out
    logged = log_text(isolated_data_dir)
    assert "message-search index is damaged" in logged and "Traceback" not in out + logged
    book = ConsentBook.open(path)
    try:
        assert any("message-search index" in line for line in book.repairs)
        assert not book.may_send(STOPPER, MARKETING).allowed
        assert [c.contact_key for c in book.conversations(search="STOP")] == [STOPPER]
    finally:
        book.close()


# -- in process -------------------------------------------------------------------------------------
@pytest.mark.expect_log(level="WARNING", match=r"^Repaired the consent book|failed its integrity check")
def test_a_damaged_state_cache_is_rebuilt_from_the_ledger(
    book_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged_book(book_path, "consent_state")
    with caplog.at_level(logging.WARNING, logger="desktop_app.storage.integrity"):
        book = ConsentBook.open(book_path)
    try:
        assert any("consent-state cache from the ledger (1500" in line for line in book.repairs)
        assert "Repaired the consent book" in caplog.text
        assert not book.may_send("+15550201499", MARKETING).allowed
        assert book.may_send("+15550201499", "order_updates").allowed
    finally:
        book.close()
    assert quick_check(book_path) == ["ok"]


@pytest.mark.expect_log(level="WARNING", match=r"^Repaired the consent book|failed its integrity check")
def test_a_damaged_ordinary_index_is_rebuilt(book_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    damaged_book(book_path, "ix_messages_contact_time")
    with caplog.at_level(logging.WARNING, logger="desktop_app.storage.integrity"):
        book = ConsentBook.open(book_path)
    try:
        assert any("ix_messages_contact_time" in line for line in book.repairs)
        assert len(book.thread("+15550200042")) == 1
    finally:
        book.close()
    assert quick_check(book_path) == ["ok"]


def test_a_sound_book_opens_without_repairs(book_path: Path) -> None:
    book = ConsentBook.open(book_path)
    fill(book, 50)
    book.close()
    again = ConsentBook.open(book_path)
    try:
        assert again.repairs == []
    finally:
        again.close()

