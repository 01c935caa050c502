"""The inbox search finds customers by what they wrote (full-text, accent-insensitive, prefixes)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.reads import fts_query


def _say(book: ConsentBook, message_id: str, wa_id: str, name: str, text: str) -> None:
    with book.unit_of_work() as uow:
        uow.store_inbound(
            InboundMessage("demo", message_id, ContactRef(wa_id, name=name), datetime.now(UTC), text=text)
        )


@pytest.fixture
def book(tmp_path: Path):
    opened = ConsentBook.open(tmp_path / "book.sqlite3")
    yield opened
    opened.close()


def test_search_by_words_of_any_message(book: ConsentBook) -> None:
    _say(book, "1", "15550101234", "Ana Souza", "¿Tienen pan sin glúten para el domingo?")
    _say(book, "2", "15550101234", "Ana Souza", "gracias!")  # the matching text is not the last one
    _say(book, "3", "15550105678", "Bruno Lima", "See you on Sunday")
    assert [c.name for c in book.conversations(search="gluten")] == ["Ana Souza"]
    assert [c.name for c in book.conversations(search="pan domin")] == ["Ana Souza"]
    assert [c.name for c in book.conversations(search="sunday")] == ["Bruno Lima"]
    assert book.count_conversations(search="gluten") == 1
    assert {c.name for c in book.conversations(search="555010")} == {"Ana Souza", "Bruno Lima"}
    assert book.conversations(search="croissant") == []


def test_erased_messages_are_no_longer_found(book: ConsentBook) -> None:
    _say(book, "1", "15550101234", "Ana Souza", "my allergy is to walnuts")
    assert book.count_conversations(search="walnuts") == 1
    book.erase_contact_messages("+15550101234")
    assert book.count_conversations(search="walnuts") == 0


@pytest.mark.parametrize("typed", ['"', "%", "*", "AND", "NEAR(", "a:b", "-x"])
def test_odd_input_never_breaks_the_search(book: ConsentBook, typed: str) -> None:
    _say(book, "1", "15550101234", "Ana", "hello")
    assert isinstance(book.conversations(search=typed), list)


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('stop "promo') == '"stop"* """promo"*'
    assert fts_query("  ") == ""
