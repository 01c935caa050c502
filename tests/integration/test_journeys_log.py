"""journey_sends in a real consent book: claimed once per trigger, a crash never resends, statuses land."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, StatusUpdate
from desktop_app.storage import journey_log
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock


@pytest.fixture
def book(tmp_path: Path) -> Iterator[ConsentBook]:
    clock = Clock(T0)
    opened = ConsentBook.open(
        tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "backups", now=clock
    )
    yield opened
    opened.close()


def _claim(book: ConsentBook, trigger: str = "first-contact") -> int | None:
    with book.unit_of_work() as uow:
        return journey_log.claim(
            uow.journey_connection,
            contact_key="15550101234",
            kind="transparency",
            trigger=trigger,
            language="en",
            message_json='{"body": "hi"}',
            at=T0,
        )


def test_a_trigger_is_claimed_once(book: ConsentBook) -> None:
    first = _claim(book)
    assert first is not None
    assert _claim(book) is None
    assert _claim(book, trigger="wamid.2") is not None
    with book.unit_of_work() as uow:
        rows = journey_log.find(uow.journey_connection, "15550101234", "transparency")
    assert [r.trigger for r in rows] == ["first-contact", "wamid.2"]
    assert rows[0].status == journey_log.SENDING


def test_a_crash_between_claim_and_send_leaves_unknown_and_never_resends(book: ConsentBook) -> None:
    assert _claim(book) is not None  # the process dies here, before the send
    with book.unit_of_work() as uow:
        assert journey_log.mark_stale_unknown(uow.journey_connection) == 1
    assert _claim(book) is None
    with book.unit_of_work() as uow:
        assert [r.status for r in journey_log.find(uow.journey_connection, "15550101234")] == ["unknown"]


def test_result_and_webhook_status_update_the_row(book: ConsentBook) -> None:
    send_id = _claim(book)
    assert send_id is not None
    with book.unit_of_work() as uow:
        journey_log.record_result(
            uow.journey_connection, send_id, at=T0, provider_message_id="wamid.X", error=None
        )
    with book.unit_of_work() as uow:
        uow.apply_status(StatusUpdate("meta", "wamid.X", ContactRef("15550101234"), "delivered", T0))
    with book.unit_of_work() as uow:
        (row,) = journey_log.find(uow.journey_connection, "15550101234")
    assert (row.status, row.provider_message_id) == ("delivered", "wamid.X")


def test_a_failed_send_is_recorded_not_retried(book: ConsentBook) -> None:
    send_id = _claim(book)
    assert send_id is not None
    with book.unit_of_work() as uow:
        journey_log.record_result(
            uow.journey_connection, send_id, at=T0, provider_message_id=None, error="131056"
        )
    assert _claim(book) is None
    with book.unit_of_work() as uow:
        (row,) = journey_log.find(uow.journey_connection, "15550101234")
    assert row.status.startswith("failed") and row.error == "131056"
