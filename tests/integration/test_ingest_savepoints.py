"""Each event is a SAVEPOINT: a failing event is undone whole and kept unparsed; a failing book fails all."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ALL, MARKETING, ConsentAction, EventSource, NewConsentEvent
from desktop_app.domain.records import BookFullError
from desktop_app.providers.meta_cloud.parser import parse_body
from tests.integration.meta.signed_webhook import RECEIVED, Clock, epoch, running_desk, status, statuses, text

BRUNO = "+15550105678"
ANA = "+15550101234"
FAILED = "wamid.HBgLMTU1NTAxMDU2NzgVAgARGBQ2NENDNzQ1NDdBNjIzNjU1ODczRAA="
DELIVERED = "wamid.delivered-neighbour"
SENT_AT = epoch(RECEIVED - timedelta(minutes=2))


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
def test_a_131050_that_fails_after_its_status_row_is_undone_and_its_redelivery_is_applied(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """main: the status row stayed committed, so the redelivered 131050 was a duplicate: opt-out lost.

    The recipient "12" passes the parser and the status insert, then fails normalisation.
    """
    with caplog.at_level(logging.WARNING), running_desk(tmp_path / "book.sqlite3", Clock()) as desk:
        body = statuses(status(FAILED, "12", SENT_AT), status(DELIVERED, ANA[1:], SENT_AT, "delivered"))
        assert desk.post(body) == 200
        stored = desk.rows("SELECT provider_message_id FROM message_statuses ORDER BY id")
        assert stored == [(DELIVERED,)]  # the neighbour is kept; nothing of the failing status is
        [(reason, raw)] = desk.rows("SELECT reason, raw FROM unparsed_payloads")
        assert (
            reason
            == "could not store: PhoneNumberError: '+12' is not a phone number (no digits that form a number)"
        )
        assert json.loads(raw)["id"] == FAILED and json.loads(raw)["errors"][0]["code"] == 131050
        assert desk.rows("SELECT count(*) FROM consent_events") == [(0,)]

        assert desk.post(body) == 200  # delivered again as it was: kept unparsed again, not "a duplicate"
        assert desk.rows("SELECT count(*) FROM unparsed_payloads") == [(2,)]
        assert desk.rows("SELECT count(*) FROM message_statuses WHERE provider_message_id = ?", FAILED) == [
            (0,)
        ]

        # The same status, readable this time (Meta's recipient, or our number data, put right): applied.
        assert desk.post(statuses(status(FAILED, BRUNO[1:], SENT_AT))) == 200
        [event] = desk.book.history(BRUNO)
        assert (event.category, event.source, event.evidence_message_id) == (
            MARKETING,
            EventSource.SEND_ERROR_131050,
            FAILED,
        )
        assert not desk.book.may_send(BRUNO, MARKETING).allowed
    kept = [r for r in caplog.records if "as unparsed" in r.getMessage()]
    assert len(kept) == 2 and all(r.levelno == logging.WARNING and r.exc_info is None for r in kept)
    assert FAILED in kept[0].getMessage() and "'+12' is not a phone number" in kept[0].getMessage()


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
def test_a_failing_event_adds_nothing_to_the_batch_result(tmp_path: Path) -> None:
    with running_desk(tmp_path / "book.sqlite3", Clock()) as desk:
        body = statuses(status(FAILED, "12", SENT_AT), status(DELIVERED, ANA[1:], SENT_AT, "delivered"))
        result = desk.pipeline.ingest(parse_body(body))
        assert (result.statuses, result.unparsed, result.applied_event_ids) == (1, 1, [])
        assert result.contacts_touched == []


def test_an_event_undone_after_its_ledger_append_leaves_the_chain_whole(tmp_path: Path) -> None:
    """The cached chain head goes back with the row: the next append links to the last row that exists."""
    with running_desk(tmp_path / "book.sqlite3", Clock()) as desk:
        stop = NewConsentEvent(ANA, ALL, ConsentAction.OPT_OUT, RECEIVED, EventSource.KEYWORD, "customer")
        with desk.book.unit_of_work() as uow:
            with pytest.raises(KeyError), uow.savepoint():
                assert uow.append_event(stop) is not None
                raise KeyError("a later step of the same event failed")
            assert uow.appended == []
            kept = uow.append_event(stop)
        assert kept is not None and kept.id == 1
        assert [e.id for e in desk.book.history(ANA)] == [1]
        assert desk.book.verify().ok


def _fill_the_disk(desk) -> None:
    """Cap the writer's connection at the pages the book has: the next growth fails with SQLITE_FULL."""
    with desk.book.unit_of_work() as uow:
        [(pages,)] = uow.connection.execute("PRAGMA page_count").fetchall()
        uow.connection.execute(f"PRAGMA max_page_count = {pages}")


def _lift_the_cap(desk) -> None:
    with desk.book.unit_of_work() as uow:
        uow.connection.execute("PRAGMA max_page_count = 1073741823")


@pytest.mark.expect_log(level="ERROR", match=r"^Ingest failed|^Storing a webhook batch failed")
def test_a_full_disk_fails_the_whole_batch_so_the_sender_retries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A book failure is not a bad event: nothing is stored (not even as unparsed) and the sender retries."""
    big = {"padding": "x" * 200_000}  # stored with the raw payload: the book must grow to hold it
    with running_desk(tmp_path / "book.sqlite3", Clock()) as desk:
        _fill_the_disk(desk)
        events = parse_body(statuses(status(DELIVERED, ANA[1:], SENT_AT, "delivered")))
        events += parse_body(text(BRUNO[1:], "wamid.big-stop", "STOP", SENT_AT, **big))
        with pytest.raises(BookFullError):
            desk.pipeline.ingest(events)
        with caplog.at_level(logging.ERROR):
            assert desk.post(text(BRUNO[1:], "wamid.big-stop", "STOP", SENT_AT, **big)) == 500
        assert any("answered 500" in r.getMessage() for r in caplog.records)
        _lift_the_cap(desk)
        for table in ("message_statuses", "messages", "unparsed_payloads", "consent_events"):
            assert desk.rows(f"SELECT count(*) FROM {table}") == [(0,)], table
        assert desk.post(text(BRUNO[1:], "wamid.big-stop", "STOP", SENT_AT, **big)) == 200  # Meta's retry
        assert not desk.book.may_send(BRUNO, MARKETING).allowed
