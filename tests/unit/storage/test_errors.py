"""SQLite's own failures become BookError subclasses with a sentence a shop owner can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.domain.records import BookCorruptError, BookFullError, BookLockedError, BookReadOnlyError
from desktop_app.storage.errors import translate

BOOK = Path("/data/consent-book.sqlite3")


def real_error(setup: str, statement: str) -> sqlite3.Error:
    raw = sqlite3.connect(":memory:")
    try:
        raw.execute("CREATE TABLE t(x)")
        raw.execute(setup)
        with pytest.raises(sqlite3.Error) as caught:
            raw.execute(statement)
        return caught.value
    finally:
        raw.close()


def test_read_only_connection_error() -> None:
    error = translate(real_error("PRAGMA query_only = 1", "INSERT INTO t VALUES (1)"), BOOK)
    assert (
        isinstance(error, BookReadOnlyError)
        and str(BOOK) in str(error)
        and "Nothing was changed" in str(error)
    )


def test_full_error_from_page_limit() -> None:
    raw = sqlite3.connect(":memory:")
    try:
        raw.execute("CREATE TABLE t(x)")
        raw.execute("PRAGMA max_page_count = 2")
        with pytest.raises(sqlite3.Error) as caught:
            raw.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    finally:
        raw.close()
    error = translate(caught.value, BOOK)
    assert isinstance(error, BookFullError) and "everything stored before is safe" in str(error)


def test_locked_and_corrupt_messages() -> None:
    assert isinstance(translate(sqlite3.OperationalError("database is locked"), BOOK), BookLockedError)
    assert isinstance(translate(sqlite3.DatabaseError("file is not a database"), BOOK), BookCorruptError)
    assert isinstance(
        translate(sqlite3.DatabaseError("database disk image is malformed"), BOOK), BookCorruptError
    )


def test_other_errors_pass_through() -> None:
    assert translate(ValueError("bad"), BOOK) is None
    assert translate(sqlite3.IntegrityError("consent_events is append-only: UPDATE refused"), BOOK) is None
    assert translate(sqlite3.OperationalError("no such table: x"), BOOK) is None
