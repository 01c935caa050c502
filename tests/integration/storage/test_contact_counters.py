"""A conversation's counters and last line stay right as messages arrive late, or are undone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, inbound, verdict

ANA, BRUNO = "+15550101234", "+15550107777"


def _summary(book: ConsentBook, key: str):
    return next(c for c in book.conversations() if c.contact_key == key)


def test_a_late_older_message_counts_as_unread_but_is_not_the_last_line(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.store_inbound(inbound("wamid.new", text="newest", at=T0 + timedelta(minutes=5)))
    with book.unit_of_work() as uow:
        uow.store_inbound(inbound("wamid.old", text="older", at=T0))
    ana = _summary(book, ANA)
    assert (ana.unread_count, ana.last_text, ana.last_at) == (2, "newest", T0 + timedelta(minutes=5))
    assert ana.last_direction == "inbound"


def test_an_undone_message_leaves_no_pending_count_on_whoever_reuses_its_row_id(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.store_inbound(inbound("wamid.hello", phone="15550101234", text="hello"))
    with book.unit_of_work() as uow:
        with pytest.raises(RuntimeError), uow.savepoint():
            undone = uow.store_inbound(inbound("wamid.a", phone="15550101234", text="STOP"))
            raise RuntimeError("this event fails after storing its message")
        reused = uow.store_inbound(inbound("wamid.b", phone="15550107777", text="STOP"))
        assert reused == undone  # SQLite hands the same row id out again
        assert reused is not None
        uow.add_detection(reused, verdict(), status="pending")
    assert (_summary(book, BRUNO).pending_count, _summary(book, ANA).pending_count) == (1, 0)
    assert _summary(book, ANA).last_text == "hello"
