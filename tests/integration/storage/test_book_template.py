"""New books copied from a migrated template hold what Alembic would have made, each with its own identity."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage import migrate
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.signing import BookKey
from tests.integration.storage.conftest import T0, Clock, inbound


class KeysInMemory:
    """A real BookKeyStore kept in a dict (the keychain in the app)."""

    def __init__(self) -> None:
        self.keys: dict[str, BookKey] = {}

    def load(self, book_id: str) -> BookKey | None:
        return self.keys.get(book_id)

    def create(self, book_id: str, keyed_from: int) -> BookKey | None:
        self.keys[book_id] = BookKey(secret=book_id.encode() * 2, keyed_from=keyed_from)
        return self.keys[book_id]


@pytest.fixture
def template(tmp_path: Path) -> Iterator[migrate.BookTemplate]:
    made = migrate.BookTemplate(tmp_path / "template")
    previous = migrate.use_template(made)
    yield made
    migrate.use_template(previous)


def _contents(path: Path) -> dict[str, object]:
    connection = sqlite3.connect(path)
    try:
        schema = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        tables = [name for kind, name, _, sql in schema if kind == "table" and sql and "VIRTUAL" not in sql]
        rows = {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in tables
            if not table.startswith("messages_fts") and table != "book_identity"
        }
        identity = connection.execute("SELECT keyed_from, anchored_at FROM book_identity").fetchall()
    finally:
        connection.close()
    return {"schema": schema, "rows": rows, "identity": identity}


def _book_id(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("SELECT book_id FROM book_identity").fetchone()[0])
    finally:
        connection.close()


def test_a_copied_book_holds_what_alembic_makes(tmp_path: Path, clock: Clock) -> None:
    previous = migrate.use_template(None)
    try:
        ConsentBook.open(tmp_path / "alembic.sqlite3", now=clock).close()
        made = migrate.BookTemplate(tmp_path / "template")
        migrate.use_template(made)
        ConsentBook.open(tmp_path / "copied.sqlite3", now=clock).close()
    finally:
        migrate.use_template(previous)
    assert made.path.is_file(), "the template was not used"
    assert _contents(tmp_path / "copied.sqlite3") == _contents(tmp_path / "alembic.sqlite3")
    assert _book_id(tmp_path / "copied.sqlite3") != _book_id(tmp_path / "alembic.sqlite3")


def test_every_copy_has_its_own_book_id_and_key(
    template: migrate.BookTemplate, tmp_path: Path, clock: Clock
) -> None:
    keys = KeysInMemory()
    first = ConsentBook.open(tmp_path / "a.sqlite3", now=clock, keys=keys)
    second = ConsentBook.open(tmp_path / "b.sqlite3", now=clock, keys=keys)
    try:
        assert first.key.book_id != second.key.book_id
        assert first.key.book_id not in (None, _book_id(template.path))
        assert first.key.key is not None and second.key.key is not None
        assert first.key.key.secret != second.key.key.secret
        for book in (first, second):
            with book.unit_of_work() as uow:
                uow.store_inbound(inbound("wamid.1"))
                uow.append_event(
                    NewConsentEvent(
                        "+15550101234", "all", ConsentAction.OPT_OUT, T0, EventSource.KEYWORD, "customer"
                    )
                )
            assert book.verify().authenticated
        assert first.thread("+15550101234")[0].text == "STOP"
    finally:
        first.close()
        second.close()
    assert _contents(template.path)["rows"]["messages"] == [], "a book's writes reached the template"


def test_an_older_revision_is_still_made_by_alembic(
    template: migrate.BookTemplate, tmp_path: Path, clock: Clock
) -> None:
    book = ConsentBook.open(tmp_path / "old.sqlite3", now=clock, target_revision="0003")
    book.close()
    assert migrate.stored_revision(tmp_path / "old.sqlite3") == "0003"
    assert book.key.book_id is None  # revision 0004 (the book id) was not applied
