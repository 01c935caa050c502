"""An up-to-date book opens without Alembic; the daily backup does not hold up opening."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop_app.storage import migrate
from desktop_app.storage.book import ConsentBook


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    assert migrate.head_revision() == migrate.HEAD_REVISION


def test_an_up_to_date_book_opens_without_importing_alembic(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    ConsentBook.open(path).close()
    assert migrate.stored_revision(path) == migrate.HEAD_REVISION
    probe = (
        "import sys; from desktop_app.storage.book import ConsentBook; "
        f"b = ConsentBook.open({str(path)!r}); ok = b.verify().ok; b.close(); "
        "print(ok, 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_stored_revision_of_something_that_is_not_a_book(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert migrate.stored_revision(junk) is None
    assert migrate.stored_revision(tmp_path / "missing.sqlite3") is None


def test_daily_backup_runs_beside_the_open_book(tmp_path: Path) -> None:
    path, backups = tmp_path / "book.sqlite3", tmp_path / "backups"
    ConsentBook.open(path, backup_dir=backups).close()
    book = ConsentBook.open(path, backup_dir=backups)
    try:
        assert book._backup_thread is not None and book._backup_thread.name == "daily-backup"
        assert book.may_send("+15550101234", "marketing").allowed  # usable while it copies
    finally:
        book.close()  # waits for the copy
    copies = sorted(backups.glob("*-daily.sqlite3"))
    assert len(copies) == 1
    copy = ConsentBook.open(copies[0])
    try:
        assert copy.verify().ok
    finally:
        copy.close()
