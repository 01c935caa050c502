"""Signed Meta deliveries whose times lie: a claimed time can never override a customer's later choice."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.event_time import CLOCK_SKEW
from desktop_app.domain.model import ALL, MARKETING, ConsentAction, EventSource, NewConsentEvent
from tests.integration.meta.signed_webhook import (
    RECEIVED,
    Clock,
    epoch,
    preference,
    running_desk,
    status,
    statuses,
    text,
)

CARLA = "+15550109876"
ANA = "+15550101234"
BRUNO = "+15550105678"
YEAR_2100 = "4102444800"


def _state(desk, key: str, category: str = MARKETING) -> tuple[str, datetime | None]:
    current = desk.book.consent_state(key)[category]
    return current.state, current.since


@pytest.mark.expect_log(level="WARNING", match=r"event time: its")
def test_a_signed_opt_in_dated_2100_does_not_beat_a_later_stop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """main: the 2100 resume won forever (and again after rebuild). Now it is filed at its receipt."""
    clock = Clock()
    with caplog.at_level(logging.WARNING), running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(preference(CARLA[1:], "resume", int(YEAR_2100))) == 200
        assert _state(desk, CARLA) == ("opted_in", RECEIVED)
        [resumed] = desk.book.history(CARLA)
        assert resumed.occurred_at == RECEIVED
        assert "2100-01-01T00:00:00+00:00" in (resumed.note or "")  # the claim is kept as evidence
        clock.advance(hours=1)
        assert desk.post(preference(CARLA[1:], "stop", int(epoch(clock.now - timedelta(seconds=30))))) == 200
        assert _state(desk, CARLA)[0] == "opted_out"
        assert desk.book.rebuild_state() > 0
        assert _state(desk, CARLA) == ("opted_out", clock.now - timedelta(seconds=30))
        assert not desk.book.may_send(CARLA, MARKETING).allowed
    [warning] = [r for r in caplog.records if "after its receipt" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.exc_info is None


@pytest.mark.expect_log(level="WARNING", match=r"event time: its")
def test_a_stop_dated_zero_beats_an_earlier_opt_in(tmp_path: Path) -> None:
    """main: the STOP was filed in 1970 and lost to the opt-in of the day before. Now it wins."""
    clock = Clock()
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(preference(CARLA[1:], "resume", int(epoch(RECEIVED - timedelta(days=1))))) == 200
        clock.advance(minutes=10)
        assert desk.post(preference(CARLA[1:], "stop", 0)) == 200
        assert _state(desk, CARLA) == ("opted_out", clock.now)
        stop = desk.book.history(CARLA)[-1]
        assert stop.action is ConsentAction.OPT_OUT and "1970-01-01" in (stop.note or "")
        desk.book.rebuild_state()
        assert _state(desk, CARLA)[0] == "opted_out"


def test_millisecond_timestamps_are_applied_at_their_own_time(tmp_path: Path) -> None:
    """main: a millisecond time overflowed the parser; the STOP and the 131050 were unparsed, answered 200."""
    clock = Clock()
    sent = RECEIVED - timedelta(minutes=3)
    millis = int(sent.timestamp() * 1000) + 250
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(preference(CARLA[1:], "stop", millis)) == 200
        assert desk.post(statuses(status("wamid.ms-131050", BRUNO[1:], str(millis)))) == 200
        assert _state(desk, CARLA) == ("opted_out", sent + timedelta(milliseconds=250))
        assert _state(desk, BRUNO) == ("opted_out", sent + timedelta(milliseconds=250))
        assert desk.rows("SELECT count(*) FROM unparsed_payloads") == [(0,)]


@pytest.mark.expect_log(level="WARNING", match=r"event time: its")
def test_a_stop_with_an_unreadable_time_is_applied_at_its_receipt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """main: "timestamp": "soon" made the whole STOP unparsed, answered 200 and never applied."""
    clock = Clock()
    with caplog.at_level(logging.WARNING), running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(text(ANA[1:], "wamid.unreadable-stop", "STOP", "soon")) == 200
        sql = "SELECT occurred_at, raw FROM messages WHERE provider_message_id = ?"
        [(occurred_at, raw)] = desk.rows(sql, "wamid.unreadable-stop")
        assert datetime.fromisoformat(occurred_at) == RECEIVED
        assert json.loads(raw)["timestamp"] == "soon"  # the provider's own claim stays in the raw payload
        assert _state(desk, ANA, ALL) == ("opted_out", RECEIVED)  # STOP: everything, applied automatically
        assert "could not be read" in (desk.book.history(ANA)[0].note or "")
        assert desk.post(preference(CARLA[1:], "stop", "soon")) == 200
        assert _state(desk, CARLA) == ("opted_out", RECEIVED)
        assert desk.rows("SELECT count(*) FROM unparsed_payloads") == [(0,)]
    assert any("could not be read" in r.getMessage() for r in caplog.records)


def test_out_of_order_delivery_still_resolves_by_event_time(tmp_path: Path) -> None:
    """Within the bounds the customer's own order wins, whatever order the deliveries arrive in."""
    clock = Clock()
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(preference(CARLA[1:], "resume", int(epoch(RECEIVED - timedelta(minutes=1))))) == 200
        clock.advance(seconds=20)
        assert desk.post(preference(CARLA[1:], "stop", int(epoch(RECEIVED - timedelta(minutes=2))))) == 200
        assert _state(desk, CARLA) == ("opted_in", RECEIVED - timedelta(minutes=1))
        # Meta's clock a little ahead of ours (within the skew) is believed, so its order still holds.
        ahead = RECEIVED + CLOCK_SKEW - timedelta(seconds=10)
        assert desk.post(preference(ANA[1:], "stop", int(epoch(ahead)))) == 200
        assert desk.post(preference(ANA[1:], "resume", int(epoch(ahead - timedelta(seconds=5))))) == 200
        assert _state(desk, ANA) == ("opted_out", ahead)
        desk.book.rebuild_state()
        assert _state(desk, CARLA)[0] == "opted_in" and _state(desk, ANA)[0] == "opted_out"


def test_a_far_future_row_from_an_older_version_cannot_outrank_a_later_stop(tmp_path: Path) -> None:
    """A book written before the bound: its ledger row says 2100 and its cached state believed it."""
    clock = Clock()
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        with desk.book.unit_of_work() as uow:
            legacy = uow.append_event(
                NewConsentEvent(CARLA, MARKETING, ConsentAction.OPT_IN, datetime(2100, 1, 1, tzinfo=UTC),
                                EventSource.META_PREFERENCE, "customer", dedupe_key="legacy")
            )  # fmt: skip
            assert legacy is not None
            uow.connection.execute("UPDATE consent_state SET since = '2100-01-01T00:00:00.000000+00:00'")
        assert _state(desk, CARLA) == ("opted_in", datetime(2100, 1, 1, tzinfo=UTC))
        clock.advance(days=1)
        assert desk.post(preference(CARLA[1:], "stop", int(epoch(clock.now - timedelta(minutes=1))))) == 200
        assert _state(desk, CARLA)[0] == "opted_out"  # the live state, before any rebuild
        desk.book.rebuild_state()
        assert _state(desk, CARLA) == ("opted_out", clock.now - timedelta(minutes=1))
        assert desk.book.verify().ok
