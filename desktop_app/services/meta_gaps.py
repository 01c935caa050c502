"""Gaps in Meta's deliveries: since when Meta has not reached the app, and what that means for the owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

LAST_DELIVERY_CURSOR = "meta.last_delivery_at"
STALE_AFTER = timedelta(days=1)  # then the owner is told; Meta gives up after META_RETRY_WINDOW
META_RETRY_WINDOW = timedelta(days=7)


class CursorStore(Protocol):
    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...


def unreachable_warning(book: CursorStore, now: datetime | None = None) -> str | None:
    """A sentence for the owner when Meta has not reached the app for more than a day, else None.

    It says since when and what that means: Meta retries a delivery for at most 7 days, so after a
    week the oldest messages are lost for good.
    """
    raw = book.get_cursor(LAST_DELIVERY_CURSOR)
    if not raw:
        return None
    try:
        last = datetime.fromisoformat(raw)
    except ValueError:
        return None
    now = now or datetime.now(UTC)
    gap = now - last
    if gap <= STALE_AFTER:
        return None
    since = _when(last)
    days = f"{gap.days} day{'s' if gap.days != 1 else ''}"
    if gap <= META_RETRY_WINDOW:
        return (
            f"Meta has not reached the app since {since} ({days}): messages it cannot deliver within 7 days "
            f"are lost. Meta retries each message for at most 7 days: keep the app (or `consent-desk "
            f"serve`) and the tunnel running, or the messages sent since then are lost from "
            f"{_when(last + META_RETRY_WINDOW)}."
        )
    return (
        f"Meta has not reached the app since {since} ({days}): some messages are lost. Meta retries "
        f"each message for at most 7 days, so messages customers sent between {since} and "
        f"{_when(now - META_RETRY_WINDOW)} are "
        "lost (an opt-out among them was never recorded). Keep the app (or `consent-desk serve`) and "
        "the tunnel running on an always-on computer."
    )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")
