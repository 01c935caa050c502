"""WAL checkpoints run beside the writer, and a closed book is one complete file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.checkpoint import Checkpointer
from tests.integration.storage.conftest import T0


def fill(book: ConsentBook, n: int) -> None:
    with book.unit_of_work() as uow:
        for i in range(n):
            uow.store_inbound(
                InboundMessage("demo", f"m{i}", ContactRef(f"+1555030{i:04d}"), T0, text="x" * 500)
            )


def test_writers_leave_the_wal_to_the_background_checkpointer(book_path: Path) -> None:
    book = ConsentBook.open(book_path)
    try:
        fill(book, 2000)
        wal = Path(str(book_path) + "-wal")
        before = book_path.stat().st_size
        assert wal.stat().st_size > 1_000_000  # the commit did not copy pages into the book itself
        helper = Checkpointer(book_path, every_s=0.02, above_bytes=0)
        helper.start()
        deadline = time.monotonic() + 20
        while book_path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        helper.stop()
        assert book_path.stat().st_size > before
        assert len(book.thread("+15550301999")) == 1
    finally:
        book.close()
    assert not wal.exists() or wal.stat().st_size == 0


def test_closed_book_reopens_with_everything(book_path: Path) -> None:
    book = ConsentBook.open(book_path)
    fill(book, 300)
    book.close()
    again = ConsentBook.open(book_path)
    try:
        assert again.count_conversations() == 300
    finally:
        again.close()


def test_checkpoint_on_demand(book_path: Path) -> None:
    book = ConsentBook.open(book_path)
    try:
        fill(book, 500)
        wal = Path(str(book_path) + "-wal")
        assert wal.stat().st_size > 0
        book.checkpoint("TRUNCATE")
        assert wal.stat().st_size == 0
        assert book.count_conversations() == 500
        with pytest.raises(ValueError, match="checkpoint mode"):
            book.checkpoint("SOMETIMES")
    finally:
        book.close()
