"""The poller against the fake Twilio: paging, cursor, midnight, arrivals mid-poll, stop, backoff, states."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.domain.model import InboundMessage
from desktop_app.domain.records import BookLockedError
from desktop_app.providers.base import ConnectionState
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.cursor import PollCursor
from desktop_app.services.poller import PollStoppedError, TwilioPoller, cursor_name
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, BUSINESS, FakeTwilio
from tests.integration.twilio.helpers import ListSink, MemoryCursors, StateLog, wait_for

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NAME = cursor_name(ACCOUNT_SID, BUSINESS)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def cursors() -> MemoryCursors:
    return MemoryCursors()


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def states() -> StateLog:
    return StateLog()


@pytest.fixture
def make_poller(
    twilio_client: TwilioClient, cursors: MemoryCursors, sink: ListSink, clock: Clock, states: StateLog
) -> Iterator:
    made: list[TwilioPoller] = []

    def make(**kw: object) -> TwilioPoller:
        options: dict[str, object] = {
            "cursor_name": NAME,
            "interval": 60.0,
            "page_size": 10,
            "clock": clock,
            "on_state": states,
            "max_backoff": 0.3,
        }
        options.update(kw)
        chosen_sink = options.pop("sink", sink)
        poller = TwilioPoller(twilio_client, BUSINESS, cursors, chosen_sink, **options)  # type: ignore[arg-type]
        made.append(poller)
        return poller

    yield make
    for poller in made:
        assert poller.stop(timeout=10), "poller thread did not stop"


def add_customers(
    fake: FakeTwilio, count: int, start: datetime, step: timedelta = timedelta(seconds=1)
) -> list[str]:
    return [
        fake.add_message(f"whatsapp:+1555020{i:04d}", f"message {i}", date_sent=start + i * step)
        for i in range(count)
    ]


def test_first_poll_takes_inbound_of_the_lookback_only(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, cursors: MemoryCursors
) -> None:
    recent = add_customers(fake_twilio, 25, NOW - timedelta(hours=3))
    fake_twilio.add_message("whatsapp:+15550209999", "too old", date_sent=NOW - timedelta(hours=30))
    fake_twilio.add_message(
        BUSINESS,
        "our reply",
        date_sent=NOW - timedelta(hours=1),
        to="whatsapp:+15550200001",
        direction="outbound-reply",
    )
    fake_twilio.add_message("whatsapp:+15550208888", "to another number", date_sent=NOW, to="whatsapp:+1999")
    poller = make_poller(lookback=timedelta(hours=24))
    report = poller.poll_once()
    assert report.taken == 25
    assert sorted(sink.sids) == sorted(recent)
    # within each page the batch is oldest first
    first_batch = sink.batches[0]
    assert [e.occurred_at for e in first_batch] == sorted(e.occurred_at for e in first_batch)
    assert fake_twilio.list_requests()[0].query["DateSent>"] == ["2026-11-24"]
    saved = PollCursor.decode(cursors.values[NAME])
    assert saved.high_water == NOW - timedelta(hours=3) + timedelta(seconds=24)

    assert poller.poll_once().taken == 0  # nothing new, nothing repeated
    assert len(sink.sids) == 25
    assert cursors.writes == 1  # an idle poll does not rewrite the cursor


def test_steady_state_reads_one_page_and_stops_at_the_floor(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, clock: Clock
) -> None:
    add_customers(fake_twilio, 35, NOW - timedelta(hours=2), step=timedelta(minutes=2))
    poller = make_poller()
    assert poller.poll_once().pages == 4
    fresh = fake_twilio.add_message("whatsapp:+15550301111", "STOP", date_sent=NOW + timedelta(seconds=5))
    clock.now = NOW + timedelta(seconds=10)
    report = poller.poll_once()
    assert (report.taken, report.pages) == (1, 1)
    assert sink.sids[-1] == fresh


def test_messages_either_side_of_gmt_midnight_are_not_missed(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 24, 23, 59, 55, tzinfo=UTC)
    before = fake_twilio.add_message(
        "whatsapp:+15550300001", "hi", date_sent=clock.now - timedelta(seconds=5)
    )
    poller = make_poller()
    poller.poll_once()
    assert sink.sids == [before]
    late = fake_twilio.add_message(
        "whatsapp:+15550300002", "STOP", date_sent=datetime(2026, 11, 24, 23, 59, 58, tzinfo=UTC)
    )
    after = fake_twilio.add_message(
        "whatsapp:+15550300003", "stop please", date_sent=datetime(2026, 11, 25, 0, 0, 2, tzinfo=UTC)
    )
    clock.now = datetime(2026, 11, 25, 0, 0, 30, tzinfo=UTC)
    poller.poll_once()
    assert sink.sids == [before, late, after]
    assert fake_twilio.list_requests()[-1].query["DateSent>"] == ["2026-11-24"]


def test_messages_arriving_during_a_poll_are_taken_next_time(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, clock: Clock
) -> None:
    backlog = add_customers(fake_twilio, 30, NOW - timedelta(minutes=30))
    gate = fake_twilio.hold_page(1)
    poller = make_poller()
    arrived: list[str] = []
    worker = threading.Thread(target=poller.poll_once)
    worker.start()
    assert wait_for(lambda: len(fake_twilio.list_requests()) == 2)  # page 1 is being served
    arrived = add_customers(fake_twilio, 3, NOW + timedelta(seconds=1))
    gate.set()
    worker.join(10)
    assert sorted(sink.sids) == sorted(backlog)  # the walk kept its place; new ones not mixed in
    clock.now = NOW + timedelta(minutes=1)
    poller.poll_once()
    assert sorted(sink.sids) == sorted(backlog + arrived)
    assert len(sink.sids) == len(set(sink.sids))


def test_late_listed_message_below_the_mark_is_taken(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, clock: Clock
) -> None:
    add_customers(fake_twilio, 3, NOW)
    poller = make_poller()
    poller.poll_once()
    # Listed after the poll although Twilio stamped it a few seconds before the newest one we saw.
    lagging = fake_twilio.add_message("whatsapp:+15550400001", "STOP", date_sent=NOW + timedelta(seconds=1))
    clock.now = NOW + timedelta(minutes=1)
    poller.poll_once()
    assert sink.sids.count(lagging) == 1
    assert len(sink.sids) == 4


def test_stop_mid_walk_keeps_the_cursor_and_a_new_poller_finishes(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, cursors: MemoryCursors
) -> None:
    everything = add_customers(fake_twilio, 30, NOW - timedelta(hours=1))
    gate = fake_twilio.hold_page(1)
    poller = make_poller()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            poller.poll_once()
        except PollStoppedError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert wait_for(lambda: len(fake_twilio.list_requests()) == 2)
    poller.stop()
    gate.set()
    worker.join(10)
    assert outcome and isinstance(outcome[0], PollStoppedError)
    assert len(sink.sids) == 10  # page 0 only; page 1 arrived after stop and was not ingested
    assert NAME not in cursors.values  # nothing saved: the next run re-reads the window

    make_poller().poll_once()
    assert set(sink.sids) == set(everything)


def test_thread_polls_at_interval_and_on_demand_and_stops(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, states: StateLog
) -> None:
    poller = make_poller(interval=60.0)
    poller.start()
    assert wait_for(lambda: len(fake_twilio.list_requests()) == 1)
    assert wait_for(
        lambda: ConnectionState.POLLING in states.states() and "Last check" in states.messages()[-1]
    )
    sid = fake_twilio.add_message("whatsapp:+15550500001", "STOP", date_sent=NOW)
    poller.poll_now()
    assert wait_for(lambda: sink.sids == [sid])
    assert "1 new message." in states.messages()[-1]
    assert poller.stop(timeout=5)
    assert not poller.running


def test_short_interval_keeps_polling(fake_twilio: FakeTwilio, make_poller) -> None:
    poller = make_poller(interval=0.05)
    poller.start()
    assert wait_for(lambda: len(fake_twilio.list_requests()) >= 4)


@pytest.mark.parametrize(
    ("status", "code", "state", "words"),
    [
        (429, 20429, ConnectionState.POLLING, "slow down"),
        (503, None, ConnectionState.OFFLINE, "having trouble (503)"),
        (500, 20500, ConnectionState.OFFLINE, "having trouble (500)"),
    ],
)
@pytest.mark.expect_log(level="WARNING", match=r"^Twilio poll failed")
def test_backoff_then_recovery(
    fake_twilio: FakeTwilio,
    make_poller,
    sink: ListSink,
    states: StateLog,
    status: int,
    code: int | None,
    state: ConnectionState,
    words: str,
) -> None:
    sid = fake_twilio.add_message("whatsapp:+15550600001", "STOP", date_sent=NOW)
    fake_twilio.fail_next(status, code, times=2)
    poller = make_poller(interval=0.05, max_backoff=0.2)
    poller.start()
    assert wait_for(lambda: sink.sids == [sid])
    failures = [(s, m) for s, m in states.entries if "Next try in" in m]
    assert len(failures) == 2
    assert all(s is state and words in m for s, m in failures)
    assert wait_for(lambda: "Last check" in states.messages()[-1])


@pytest.mark.expect_log(level="WARNING", match=r"^Twilio poll failed")
def test_retry_after_is_honoured(fake_twilio: FakeTwilio, make_poller, states: StateLog) -> None:
    fake_twilio.fail_next(429, 20429, retry_after="30")
    poller = make_poller(interval=0.05, max_backoff=60.0)
    poller.start()
    assert wait_for(lambda: any("Next try in" in m for m in states.messages()))
    message = next(m for m in states.messages() if "Next try in" in m)
    assert "Next try in 30 s." in message
    assert len(fake_twilio.list_requests()) == 1  # it waits, it does not hammer
    poller.poll_now()  # the owner can cut it short
    assert wait_for(lambda: len(fake_twilio.list_requests()) == 2)


def test_bad_credentials_are_reported_and_not_hammered(
    fake_twilio: FakeTwilio, cursors, sink, states
) -> None:
    client = TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, "wrong"), fake_twilio.base_url)
    poller = TwilioPoller(
        client, BUSINESS, cursors, sink, cursor_name=NAME, interval=0.05, on_state=states, max_backoff=60.0
    )
    try:
        poller.start()
        assert wait_for(lambda: ConnectionState.BAD_CREDENTIALS in states.states())
        message = dict(states.entries)[ConnectionState.BAD_CREDENTIALS]
        assert message == "Twilio rejected the credentials (401). Check the API Key SID and Secret."
        assert len(fake_twilio.list_requests()) == 1
    finally:
        assert poller.stop(timeout=5)
        client.close()


@pytest.mark.expect_log(level="WARNING", match=r"^Twilio poll failed")
def test_offline_is_reported(fake_twilio: FakeTwilio, cursors, sink, states) -> None:
    url = fake_twilio.base_url
    fake_twilio.close()
    client = TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, "x"), url, timeout=(1.0, 1.0))
    poller = TwilioPoller(
        client, BUSINESS, cursors, sink, cursor_name=NAME, interval=0.05, on_state=states, max_backoff=0.1
    )
    try:
        poller.start()
        assert wait_for(lambda: ConnectionState.OFFLINE in states.states())
        assert any(m.startswith("Cannot reach Twilio.") for m in states.messages())
    finally:
        assert poller.stop(timeout=5)
        client.close()


@pytest.mark.expect_log(level="ERROR", match=r"^Saving polled Twilio messages failed")
def test_failing_sink_does_not_move_the_cursor(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, cursors: MemoryCursors, states: StateLog
) -> None:
    sids = add_customers(fake_twilio, 3, NOW)
    sink.fail_next = 1
    poller = make_poller(interval=0.05, max_backoff=0.1)
    poller.start()
    assert wait_for(lambda: sorted(sink.sids) == sorted(sids))
    assert any(
        "Could not save the messages from Twilio (OSError). Next try in" in m for m in states.messages()
    )
    assert NAME in cursors.values


def test_inbound_messages_are_domain_messages(fake_twilio: FakeTwilio, make_poller, sink: ListSink) -> None:
    fake_twilio.add_message(
        "whatsapp:+34600100200",
        "Stop promotions",
        date_sent=NOW,
        extra={"ButtonText": "Stop promotions", "ButtonPayload": "STOP_PROMO"},
    )
    make_poller().poll_once()
    event = sink.batches[0][0]
    assert isinstance(event, InboundMessage)
    assert (event.sender.key, event.button_payload, event.button_text) == (
        "+34600100200",
        "STOP_PROMO",
        "Stop promotions",
    )


def test_stop_while_a_page_is_on_the_wire_ingests_nothing_more(
    fake_twilio: FakeTwilio, make_poller, sink: ListSink, cursors: MemoryCursors
) -> None:
    add_customers(fake_twilio, 30, NOW - timedelta(hours=1))
    gate = fake_twilio.hold_page(1)
    poller = make_poller(interval=60.0)
    poller.start()
    assert wait_for(lambda: len(fake_twilio.list_requests()) == 2)
    # The request in flight is not torn down: stop() reports it has not ended yet...
    assert poller.stop(timeout=0.2) is False
    gate.set()
    # ...and once the answer arrives the thread ends without ingesting that page or moving the cursor.
    assert poller.stop(timeout=10) is True
    assert len(sink.sids) == 10
    assert NAME not in cursors.values


@pytest.mark.expect_log(level="ERROR", match=r"^Saving polled Twilio messages failed")
def test_book_error_reaches_the_owner_in_its_own_words(
    fake_twilio: FakeTwilio, make_poller, states: StateLog, cursors: MemoryCursors
) -> None:
    add_customers(fake_twilio, 2, NOW)

    def locked(events: object) -> None:
        raise BookLockedError("The consent book is locked by another program. Nothing was changed.")

    poller = make_poller(sink=locked, interval=60.0, max_backoff=60.0)
    poller.start()
    assert wait_for(lambda: ConnectionState.OFFLINE in states.states())
    message = dict(states.entries)[ConnectionState.OFFLINE]
    assert message.startswith(
        "Could not save the messages from Twilio (The consent book is locked by another program."
    )
    assert cursors.values == {}
