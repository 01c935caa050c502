"""A clock a test owns: code under test takes it instead of reading the wall clock (tests only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning; nothing depends on which


class Clock:
    """Callable like `datetime.now(UTC)`; stands still until the test moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current
