"""Property: whatever the arrival order, listing lag, poll times and crashes, every SID is stored once.

An in-memory stand-in for Twilio's list (newest first by DateSent, inclusive GMT-day `DateSent>`
filter, page tokens that keep their place) lets Hypothesis try thousands of schedules quickly.
The poller and its cursor are the real ones.
"""

from __future__ import annotations

import contextlib
import email.utils
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.domain.model import InboundMessage
from desktop_app.providers.twilio.client import MessagePage
from desktop_app.services.poller import TwilioPoller

START = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # polls run across GMT midnight
LAG_LIMIT = timedelta(minutes=5)  # below the poller's 10-minute margin
BUSINESS = "whatsapp:+15550100100"


@dataclass(frozen=True)
class Arrival:
    sid: str
    sent: datetime
    listed: datetime  # when it shows up in Twilio's list (at or after `sent`)


class MemoryTwilio:
    def __init__(self, arrivals: list[Arrival], page_size: int) -> None:
        self.arrivals = arrivals
        self.page_size = page_size
        self.now = START

    def _visible(self, after: date | None) -> list[Arrival]:
        rows = [
            a for a in self.arrivals if a.listed <= self.now and (after is None or a.sent.date() >= after)
        ]
        return sorted(rows, key=lambda a: (a.sent, a.sid), reverse=True)

    def _page(self, rows: list[Arrival], after: date | None) -> MessagePage:
        chunk = rows[: self.page_size]
        next_uri = None
        if len(rows) > self.page_size:
            last = chunk[-1]
            next_uri = f"{after}|{last.sent.isoformat()}|{last.sid}"
        messages = [
            {
                "sid": a.sid,
                "direction": "inbound",
                "from": "whatsapp:+15550101234",
                "to": BUSINESS,
                "body": "hi",
                "date_sent": email.utils.format_datetime(a.sent),
            }
            for a in chunk
        ]
        return MessagePage(messages, next_uri)

    def list_messages(
        self, *, to: str, date_sent_after: date | None = None, page_size: int = 50
    ) -> MessagePage:
        assert to == BUSINESS
        return self._page(self._visible(date_sent_after), date_sent_after)

    def next_page(self, next_page_uri: str) -> MessagePage:
        after_text, sent_text, sid = next_page_uri.split("|")
        after = date.fromisoformat(after_text) if after_text != "None" else None
        key = (datetime.fromisoformat(sent_text), sid)
        rows = [a for a in self._visible(after) if (a.sent, a.sid) < key]
        return self._page(rows, after)


class MemoryBook:
    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}
        self.stored: set[str] = set()
        self.deliveries: list[str] = []

    def get_cursor(self, name: str) -> str | None:
        return self.cursors.get(name)

    def set_cursor(self, name: str, value: str) -> None:
        self.cursors[name] = value


class CrashError(Exception):
    pass


arrival_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4 * 3600),  # seconds after START (crosses midnight)
        st.integers(min_value=0, max_value=int(LAG_LIMIT.total_seconds())),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    arrivals=arrival_lists,
    poll_offsets=st.lists(st.integers(min_value=0, max_value=5 * 3600), min_size=1, max_size=12),
    crash_calls=st.sets(st.integers(min_value=1, max_value=30), max_size=3),
    page_size=st.integers(min_value=1, max_value=7),
)
def test_every_sid_is_stored_exactly_once(
    arrivals: list[tuple[int, int]], poll_offsets: list[int], crash_calls: set[int], page_size: int
) -> None:
    items = [
        Arrival(f"SM{i:04d}", START + timedelta(seconds=s), START + timedelta(seconds=s + lag))
        for i, (s, lag) in enumerate(arrivals)
    ]
    twilio = MemoryTwilio(items, page_size)
    book = MemoryBook()
    calls = 0
    crashes: list[int] = []

    def sink(events: list[InboundMessage]) -> None:  # type: ignore[type-arg]
        nonlocal calls
        calls += 1
        if calls in crash_calls:
            half = events[: len(events) // 2]
            book.stored.update(e.provider_message_id for e in half)
            crashes.append(calls)
            raise CrashError
        for event in events:
            book.deliveries.append(event.provider_message_id)
            book.stored.add(event.provider_message_id)

    def poller() -> TwilioPoller:  # a fresh poller each time: a restart keeps only the book
        return TwilioPoller(
            twilio,
            BUSINESS,
            book,
            sink,
            cursor_name="c",
            page_size=page_size,
            lookback=timedelta(hours=24),
            clock=lambda: twilio.now,
        )

    for offset in sorted(poll_offsets):
        twilio.now = START + timedelta(seconds=offset)
        with contextlib.suppress(CrashError):
            poller().poll_once()
    twilio.now = START + timedelta(hours=6)
    crash_calls.clear()
    poller().poll_once()

    assert book.stored == {a.sid for a in items}
    # Repeats reach the sink only after a crash re-read (the book's unique SID absorbs them).
    if not crashes:
        assert len(book.deliveries) == len(set(book.deliveries))
