"""The poll window: GMT-day filter, where the walk stops, which SIDs are new, how the cursor moves."""

from __future__ import annotations

import email.utils
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from desktop_app.providers.twilio.cursor import PollCursor, PollWindow, Step

DAY = timedelta(hours=24)


def msg(sid: str, when: datetime, direction: str = "inbound") -> dict[str, object]:
    return {"sid": sid, "date_sent": email.utils.format_datetime(when), "direction": direction}


def test_first_connection_looks_back_the_configured_hours() -> None:
    now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    window = PollWindow(PollCursor(), now, lookback=DAY)
    assert window.floor == now - DAY
    assert window.date_sent_after == date(2026, 11, 24)
    assert window.step(msg("SM1", now - timedelta(hours=23))) is Step.TAKE
    assert window.step(msg("SM0", now - timedelta(hours=25))) is Step.STOP


def test_day_filter_is_the_gmt_day_of_the_floor_across_midnight() -> None:
    # The mark is 23:59:50 GMT; it is already the next day when we poll.
    cursor = PollCursor(high_water=datetime(2026, 11, 24, 23, 59, 50, tzinfo=UTC))
    window = PollWindow(cursor, datetime(2026, 11, 25, 0, 0, 30, tzinfo=UTC), lookback=DAY)
    assert window.date_sent_after == date(2026, 11, 24)
    assert window.step(msg("SMnew", datetime(2026, 11, 25, 0, 0, 2, tzinfo=UTC))) is Step.TAKE
    assert window.step(msg("SMlate", datetime(2026, 11, 24, 23, 59, 58, tzinfo=UTC))) is Step.TAKE


def test_day_filter_ignores_the_owners_time_zone() -> None:
    # 00:05 GMT on the 25th is still the 24th in Los Angeles and already the 25th in Tokyo.
    la = timezone(timedelta(hours=-8))
    tokyo = timezone(timedelta(hours=9))
    mark = datetime(2026, 11, 25, 0, 20, tzinfo=UTC)
    for zone in (la, tokyo, UTC):
        cursor = PollCursor(high_water=mark.astimezone(zone))
        window = PollWindow(cursor, datetime(2026, 11, 25, 0, 30, tzinfo=zone), lookback=DAY)
        assert window.date_sent_after == date(2026, 11, 25)
    early = PollCursor(high_water=datetime(2026, 11, 25, 0, 5, tzinfo=UTC).astimezone(tokyo))
    assert PollWindow(early, mark, lookback=DAY).date_sent_after == date(2026, 11, 24)


def test_seen_sids_and_outbound_are_skipped_and_floor_stops_the_walk() -> None:
    mark = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    cursor = PollCursor(high_water=mark, recent={"SMold": mark - timedelta(seconds=5)})
    window = PollWindow(cursor, mark + timedelta(minutes=1), lookback=DAY, margin=timedelta(minutes=10))
    assert window.step(msg("SMnew", mark + timedelta(seconds=3))) is Step.TAKE
    assert window.step(msg("SMout", mark + timedelta(seconds=2), direction="outbound-api")) is Step.SEEN
    assert window.step(msg("SMold", mark - timedelta(seconds=5))) is Step.SEEN
    # Arrived in the list late with a time below the mark, but inside the margin: still taken.
    assert window.step(msg("SMlag", mark - timedelta(minutes=9))) is Step.TAKE
    assert window.step(msg("SMancient", mark - timedelta(minutes=11))) is Step.STOP


def test_finish_moves_the_mark_and_keeps_only_sids_within_the_margin() -> None:
    mark = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    cursor = PollCursor(high_water=mark, recent={"SMa": mark - timedelta(minutes=8), "SMb": mark})
    window = PollWindow(cursor, mark, lookback=DAY, margin=timedelta(minutes=10))
    newest = mark + timedelta(minutes=5)
    window.step(msg("SMc", newest))
    window.step(msg("SMb", mark))
    after = window.finish()
    assert after.high_water == newest
    assert set(after.recent) == {"SMb", "SMc"}  # SMa is now 13 minutes below the mark


def test_finish_without_messages_keeps_the_cursor() -> None:
    cursor = PollCursor()
    assert PollWindow(cursor, datetime(2026, 11, 25, tzinfo=UTC), lookback=DAY).finish() == cursor


@pytest.mark.expect_log(level="WARNING", match=r"^Twilio poll cursor unreadable")
def test_cursor_round_trips_and_survives_damage(caplog: pytest.LogCaptureFixture) -> None:
    cursor = PollCursor(
        high_water=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        recent={"SM1": datetime(2026, 11, 25, 11, 59, tzinfo=UTC)},
    )
    assert PollCursor.decode(cursor.encode()) == cursor
    assert PollCursor.decode(None) == PollCursor()
    for damaged in ("{not json", '{"high_water": "yesterday"}', "[]"):
        assert PollCursor.decode(damaged) == PollCursor()
    assert "unreadable" in caplog.text


def test_message_without_date_is_taken_once_and_does_not_end_the_walk() -> None:
    window = PollWindow(PollCursor(), datetime(2026, 11, 25, tzinfo=UTC), lookback=DAY)
    assert window.step({"sid": "SMx", "direction": "inbound"}) is Step.TAKE
    assert window.step({"sid": "SMy", "direction": "outbound-api"}) is Step.SEEN
