"""Event times bounded by what the app observed: never after their receipt, never before WhatsApp."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

# How far a provider's clock may run ahead of ours before its time is not believed.
CLOCK_SKEW = timedelta(minutes=5)
# WhatsApp did not exist before 2009: an earlier time is a broken or forged one.
WHATSAPP_EPOCH = datetime(2009, 1, 1, tzinfo=UTC)
# What a parser reports when the provider's time cannot be read at all (the raw payload keeps it).
UNREADABLE_TIME = datetime(1, 1, 1, tzinfo=UTC)
# Epoch numbers at or above these are milliseconds / microseconds / nanoseconds, not seconds
# (1e11 seconds is the year 5138; 1e14 milliseconds is the year 5138 too).
_MILLIS_FROM = 10**11
_MICROS_FROM = 10**14
_NANOS_FROM = 10**17


@dataclass(frozen=True, slots=True)
class EventTime:
    """The time an event is filed under, and why it is not the claimed one (None when it is)."""

    at: datetime
    reason: str | None = None

    @property
    def replaced(self) -> bool:
        return self.reason is not None


def bound_event_time(claimed: datetime, received_at: datetime) -> EventTime:
    """The claimed time if the app could have seen it happen; otherwise the receipt time, with a reason.

    A time later than the receipt (beyond CLOCK_SKEW), before WhatsApp existed, or unreadable cannot
    order consent: the receipt is the latest moment the event can have happened. An old but possible
    time is kept: a replayed signed body (Meta's signature carries no time) then stays where it
    happened instead of outranking every choice made since.
    """
    received = received_at.astimezone(UTC)
    if claimed == UNREADABLE_TIME:
        return EventTime(received, "its time could not be read; filed at its receipt")
    when = claimed.astimezone(UTC)
    if when > received + CLOCK_SKEW:
        why = "is after its receipt"
    elif when < WHATSAPP_EPOCH:
        why = "is before WhatsApp existed"
    else:
        return EventTime(when)
    return EventTime(received, f"its claimed time {_stamp(when)} {why}; filed at its receipt")


def resolution_time(occurred_at: datetime, recorded_at: datetime) -> datetime:
    """The time a stored ledger event competes with: never later than its recording (plus skew).

    New events are bounded at receipt already; this keeps rows written before that rule (or by any
    other path) from outranking later choices, in the live state and in `rebuild` alike.
    """
    return min(occurred_at, recorded_at + CLOCK_SKEW)


def read_claimed_time(raw: Any) -> datetime | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds (number or digit string), or ISO 8601 text.

    None when it is none of those or out of datetime's range; naive ISO text is taken as UTC.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return _from_epoch(Decimal(str(raw)))
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    try:
        return _from_epoch(Decimal(text))
    except InvalidOperation:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _from_epoch(number: Decimal) -> datetime | None:
    if not number.is_finite():
        return None
    size = abs(number)
    if size >= _NANOS_FROM:
        number /= 10**9
    elif size >= _MICROS_FROM:
        number /= 10**6
    elif size >= _MILLIS_FROM:
        number /= 10**3
    try:
        return datetime.fromtimestamp(0, tz=UTC) + timedelta(seconds=float(number))
    except (OverflowError, ValueError):
        return None


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
