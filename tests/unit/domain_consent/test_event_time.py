"""Event times bounded by their receipt: future, pre-WhatsApp and unreadable times never order consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.domain.consent import derive_states
from desktop_app.domain.event_time import (
    CLOCK_SKEW,
    UNREADABLE_TIME,
    WHATSAPP_EPOCH,
    bound_event_time,
    read_claimed_time,
    resolution_time,
)
from desktop_app.domain.model import ConsentAction, ConsentEventRecord, EventSource

RECEIVED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_a_time_before_its_receipt_is_kept() -> None:
    claimed = RECEIVED - timedelta(days=400)  # a Twilio backfill, or a replayed body: old is possible
    assert bound_event_time(claimed, RECEIVED).at == claimed
    assert not bound_event_time(claimed, RECEIVED).replaced


def test_clock_skew_is_allowed_but_no_more() -> None:
    within = RECEIVED + CLOCK_SKEW
    assert bound_event_time(within, RECEIVED).at == within
    beyond = bound_event_time(RECEIVED + CLOCK_SKEW + timedelta(seconds=1), RECEIVED)
    assert beyond.at == RECEIVED and beyond.replaced


def test_a_future_time_is_filed_at_receipt_with_the_claim_as_evidence() -> None:
    bounded = bound_event_time(datetime(2100, 1, 1, tzinfo=UTC), RECEIVED)
    assert bounded.at == RECEIVED
    assert bounded.reason is not None
    assert "2100-01-01T00:00:00+00:00" in bounded.reason and "after its receipt" in bounded.reason


@pytest.mark.parametrize("claimed", [datetime(1970, 1, 1, tzinfo=UTC), WHATSAPP_EPOCH - timedelta(seconds=1)])
def test_a_time_before_whatsapp_is_filed_at_receipt(claimed: datetime) -> None:
    bounded = bound_event_time(claimed, RECEIVED)
    assert bounded.at == RECEIVED and "before WhatsApp" in (bounded.reason or "")


def test_an_unreadable_time_is_filed_at_receipt() -> None:
    bounded = bound_event_time(UNREADABLE_TIME, RECEIVED)
    assert bounded.at == RECEIVED and "could not be read" in (bounded.reason or "")


def test_times_are_compared_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    claimed = datetime(2026, 6, 1, 11, 4, tzinfo=paris)  # 09:04 UTC: within the skew
    assert bound_event_time(claimed, RECEIVED).at == datetime(2026, 6, 1, 9, 4, tzinfo=UTC)
    assert bound_event_time(claimed, RECEIVED.astimezone(paris)).at.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1780304400", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),  # Meta: seconds as a string
        (1780304400, datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),  # user_preferences: an integer
        ("1780304400123", datetime(2026, 6, 1, 9, 0, 0, 123000, tzinfo=UTC)),  # milliseconds
        (1780304400123456, datetime(2026, 6, 1, 9, 0, 0, 123456, tzinfo=UTC)),  # microseconds
        ("1780304400000000000", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),  # nanoseconds
        ("1780304400.5", datetime(2026, 6, 1, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2026-06-01T09:00:00Z", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),
        ("2026-06-01T11:00:00+02:00", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),
        ("2026-06-01 09:00:00", datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),  # naive ISO is UTC
        ("0", datetime(1970, 1, 1, tzinfo=UTC)),  # readable; bound_event_time rejects it
        (-86400, datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_claimed_times_are_read_in_every_usual_spelling(raw: object, expected: datetime) -> None:
    assert read_claimed_time(raw) == expected


@pytest.mark.parametrize(
    "raw", [None, True, "", "  ", "soon", "9" * 40, "-" + "9" * 30, "NaN", "inf", {}, []]
)
def test_unreadable_claimed_times_are_none_never_an_exception(raw: object) -> None:
    assert read_claimed_time(raw) is None


def _record(
    event_id: int, action: ConsentAction, occurred: datetime, recorded: datetime
) -> ConsentEventRecord:
    return ConsentEventRecord(
        event_id, "+15550101234", "marketing", action, occurred, recorded, EventSource.META_PREFERENCE,
        "customer", None, None, None,
    )  # fmt: skip


def test_resolution_time_is_never_later_than_the_recording_plus_skew() -> None:
    assert resolution_time(RECEIVED - timedelta(hours=1), RECEIVED) == RECEIVED - timedelta(hours=1)
    assert resolution_time(datetime(2100, 1, 1, tzinfo=UTC), RECEIVED) == RECEIVED + CLOCK_SKEW


def test_a_stored_far_future_opt_in_loses_to_a_later_opt_out() -> None:
    """A row written before the bound existed (occurred 2100) must not outrank every later choice."""
    legacy = _record(1, ConsentAction.OPT_IN, datetime(2100, 1, 1, tzinfo=UTC), RECEIVED)
    later_stop = _record(2, ConsentAction.OPT_OUT, RECEIVED + timedelta(days=1), RECEIVED + timedelta(days=1))
    for order in ([legacy, later_stop], [later_stop, legacy]):
        state = derive_states(order)["marketing"]
        assert (state.state, state.event_id) == ("opted_out", 2)


def test_equal_bounded_times_go_to_the_later_ledger_row() -> None:
    first = _record(1, ConsentAction.OPT_OUT, datetime(2100, 1, 1, tzinfo=UTC), RECEIVED)
    second = _record(2, ConsentAction.OPT_IN, datetime(2200, 1, 1, tzinfo=UTC), RECEIVED)
    state = derive_states([second, first])["marketing"]
    assert (state.state, state.event_id, state.since) == ("opted_in", 2, RECEIVED + CLOCK_SKEW)
