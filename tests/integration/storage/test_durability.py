"""Locked, read-only, full and corrupted books give clear errors and lose nothing already stored."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.domain.records import BookCorruptError, BookFullError, BookLockedError, BookReadOnlyError
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, Clock, inbound


def opt_out(key: str, text: str = "STOP") -> NewConsentEvent:
    return NewConsentEvent(
        key, "all", ConsentAction.OPT_OUT, T0, EventSource.KEYWORD, "auto:t", evidence_text=text
    )


def test_locked_book_gives_a_clear_error_and_keeps_earlier_data(book_path: Path, clock: Clock) -> None:
    book = ConsentBook.open(book_path, now=clock, busy_timeout_ms=200)
    try:
        with book.unit_of_work() as uow:
            uow.append_event(opt_out("+15550101234"))
        other = sqlite3.connect(book_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
            with (
                pytest.raises(BookLockedError, match="locked by another program"),
                book.unit_of_work() as uow,
            ):
                uow.append_event(opt_out("+15550105555"))
            assert not book.may_send("+15550101234", "marketing").allowed  # readers still work under WAL
            other.execute("ROLLBACK")
        finally:
            other.close()
        with book.unit_of_work() as uow:
            uow.append_event(opt_out("+15550105555"))
        assert book.verify().checked == 2
    finally:
        book.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """chmod for normal users; root ignores modes, so use the immutable flag when we run as root."""
    path.chmod(0o444)
    immutable = False
    try:
        if os.access(path, os.W_OK):
            chattr = shutil.which("chattr")
            done = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode == 0
            if not done:
                pytest.skip("running as root without chattr: cannot make a file read-only here")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr") or "chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_read_only_book_is_refused_clearly_and_left_intact(book_path: Path, clock: Clock) -> None:
    book = ConsentBook.open(book_path, now=clock)
    with book.unit_of_work() as uow:
        uow.append_event(opt_out("+15550101234"))
    book.close()
    before = book_path.read_bytes()
    with read_only(book_path):
        with pytest.raises(BookReadOnlyError, match="read-only"):
            ConsentBook.open(book_path, now=clock)
        assert book_path.read_bytes() == before
    again = ConsentBook.open(book_path, now=clock)
    try:
        assert again.verify().checked == 1
    finally:
        again.close()


def test_full_disk_rolls_back_the_write_and_keeps_the_rest(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(opt_out("+15550101234"))
    # SQLITE_FULL is what a full disk returns; max_page_count produces exactly that error here.
    with pytest.raises(BookFullError, match="full"), book.unit_of_work() as uow:
        pages = uow._raw.execute("PRAGMA page_count").fetchone()[0]
        uow._raw.execute(f"PRAGMA max_page_count = {pages}")
        for i in range(50):
            uow.append_event(opt_out(f"+1555011{i:04d}", text="x" * 20_000))
    book._write.dispose()  # drop the connection that carries the artificial limit
    assert book.verify().checked == 1
    assert book.may_send("+15550110001", "marketing").allowed
    with book.unit_of_work() as uow:
        assert uow.append_event(opt_out("+15550110001")) is not None


def test_not_a_database_is_refused_without_touching_it(book_path: Path, clock: Clock) -> None:
    book_path.write_bytes(b"this is a spreadsheet, not a consent book" * 100)
    before = book_path.read_bytes()
    with pytest.raises(BookCorruptError, match="not a consent book"):
        ConsentBook.open(book_path, now=clock)
    assert book_path.read_bytes() == before


def test_someone_elses_sqlite_file_is_refused(book_path: Path, clock: Clock) -> None:
    raw = sqlite3.connect(book_path)
    raw.execute("CREATE TABLE songs(title TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(BookCorruptError, match="not a consent book"):
        ConsentBook.open(book_path, now=clock)


@pytest.mark.expect_log(level="WARNING", match=r"failed its integrity check")
def test_damaged_pages_give_a_corruption_error(book_path: Path, clock: Clock) -> None:
    book = ConsentBook.open(book_path, now=clock)
    with book.unit_of_work() as uow:
        for i in range(300):
            uow.store_inbound(inbound(f"w{i}", phone=f"1555012{i:04d}", text="hello " * 50))
    book.close()
    data = bytearray(book_path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):
        data[offset : offset + 64] = b"\xff" * 64  # smash every page header after the schema
    book_path.write_bytes(bytes(data))
    with pytest.raises(BookCorruptError, match="damaged"):
        damaged = ConsentBook.open(book_path, now=clock)
        try:
            damaged.conversations(limit=1000)
        finally:
            damaged.close()
