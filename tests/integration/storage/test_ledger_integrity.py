"""The ledger cannot be edited through SQL, and tampering with a row behind the app's back is caught."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0


def fill(book: ConsentBook, count: int) -> None:
    with book.unit_of_work() as uow:
        for i in range(count):
            uow.append_event(
                NewConsentEvent(
                    f"+1555010{i % 7:04d}",
                    "all",
                    ConsentAction.OPT_OUT if i % 2 else ConsentAction.OPT_IN,
                    T0 + timedelta(minutes=i),
                    EventSource.KEYWORD,
                    "auto:test",
                    evidence_text=f"message {i}",
                )
            )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_events SET action = 'opt_in' WHERE id = 2",
        "DELETE FROM consent_events WHERE id = 2",
    ],
)
def test_update_and_delete_are_refused_by_triggers(
    book: ConsentBook, book_path: Path, statement: str
) -> None:
    fill(book, 3)
    raw = sqlite3.connect(book_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(statement)
    finally:
        raw.close()
    assert book.verify().ok and book.verify().checked == 3


def test_verify_names_the_first_tampered_row(book: ConsentBook, book_path: Path) -> None:
    fill(book, 10)
    good = book.verify()
    assert good.ok and good.checked == 10 and good.head_hash
    raw = sqlite3.connect(book_path)
    try:  # an attacker with plain sqlite3 drops the guard and edits evidence in row 6
        raw.execute("DROP TRIGGER consent_events_no_update")
        raw.execute("UPDATE consent_events SET evidence_text = 'START' WHERE id = 6")
        raw.commit()
    finally:
        raw.close()
    result = book.verify()
    assert not result.ok
    assert result.first_broken_id == 6 and result.checked == 5
    assert "changed" in (result.reason or "")


def test_verify_catches_a_deleted_row_and_a_rehashed_row(book: ConsentBook, book_path: Path) -> None:
    fill(book, 6)
    raw = sqlite3.connect(book_path)
    try:
        raw.execute("DROP TRIGGER consent_events_no_delete")
        raw.execute("DELETE FROM consent_events WHERE id = 3")
        raw.commit()
    finally:
        raw.close()
    result = book.verify()
    assert (result.ok, result.first_broken_id) == (False, 4)
    assert "row 3 is missing" in (result.reason or "")


def test_rebuild_regenerates_state_from_the_ledger_alone(book: ConsentBook, book_path: Path) -> None:
    fill(book, 20)
    before = {key: book.consent_state(key) for key in (f"+1555010{i:04d}" for i in range(7))}
    raw = sqlite3.connect(book_path)
    try:
        raw.execute("DELETE FROM consent_state")
        raw.execute("UPDATE contacts SET opted_out = 0")
        raw.commit()
    finally:
        raw.close()
    assert book.rebuild_state() == 7
    after = {key: book.consent_state(key) for key in before}
    assert after == before
    assert book.count_conversations("opted_out") == 0  # no messages, so not conversations
    assert book.count_consent("opted_out") == sum(
        1 for states in after.values() if states["all"].state == "opted_out"
    )


def test_rebuild_matches_incremental_state_for_shuffled_events_with_ties(book: ConsentBook) -> None:
    import random

    rng = random.Random(11)
    keys = [f"+1555020{i:04d}" for i in range(40)]
    with book.unit_of_work() as uow:
        for _ in range(600):  # few distinct minutes: many ties on occurred_at, decided by row order
            uow.append_event(
                NewConsentEvent(
                    rng.choice(keys),
                    rng.choice(["all", "marketing", "order_updates"]),
                    rng.choice(list(ConsentAction)),
                    T0 + timedelta(minutes=rng.randrange(5)),
                    EventSource.KEYWORD,
                    "auto:test",
                )
            )
    incremental = {key: book.consent_state(key) for key in keys}
    opted_out = book.count_conversations("opted_out"), book.count_consent("opted_out")
    book.rebuild_state()
    assert {key: book.consent_state(key) for key in keys} == incremental
    assert (book.count_conversations("opted_out"), book.count_consent("opted_out")) == opted_out
