"""A thread told never to write (the UI thread) cannot open a unit of work; other threads still can."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_app.storage.book import ConsentBook, WrongThreadWriteError


def test_a_forbidden_thread_cannot_write_but_another_can(tmp_path: Path) -> None:
    book = ConsentBook.open(tmp_path / "book.sqlite3")
    try:
        book.forbid_writes_from(threading.current_thread())
        with pytest.raises(WrongThreadWriteError, match="must never wait on the disk"):
            book.add_category("newsletter")
        assert "newsletter" not in book.categories()

        errors: list[BaseException] = []

        def write() -> None:
            try:
                book.add_category("newsletter")
            except BaseException as exc:  # reported to the test thread below
                errors.append(exc)

        worker = threading.Thread(target=write)
        worker.start()
        worker.join()
        assert errors == []
        assert "newsletter" in book.categories()  # reads stay allowed on the forbidden thread
    finally:
        book.close()
