"""Poller -> real ingest pipeline -> real consent book: opt-outs, buttons, restarts, 21610."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import MARKETING, EventSource, IngestResult, ProviderEvent
from desktop_app.providers.twilio.client import TwilioClient
from desktop_app.providers.twilio.provider import TwilioProvider
from desktop_app.services.poller import PollStoppedError, TwilioPoller, cursor_name
from desktop_app.services.settings import Settings
from desktop_app.services.twilio_runner import attach_opt_out_signal
from tests.fakes.twilio_server import ACCOUNT_SID, BUSINESS, FakeTwilio
from tests.integration.twilio.booktools import make_pipeline, open_book, stored_inbound_sids
from tests.integration.twilio.helpers import wait_for

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NAME = cursor_name(ACCOUNT_SID, BUSINESS)


def poller_for(client: TwilioClient, book, sink, clock=lambda: NOW, **kw) -> TwilioPoller:
    return TwilioPoller(client, BUSINESS, book, sink, cursor_name=NAME, page_size=10, clock=clock, **kw)


def test_polled_messages_reach_the_inbox_with_opt_outs_highlighted(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    fake_twilio.add_message(
        "whatsapp:+15550101234", "Hi, are you open Sunday?", date_sent=NOW - timedelta(hours=2)
    )
    stop_sid = fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=NOW - timedelta(hours=1))
    fake_twilio.add_message(
        "whatsapp:+34600100200",
        "Stop promotions",
        date_sent=NOW - timedelta(minutes=30),
        extra={"ButtonText": "Stop promotions", "ButtonPayload": "STOP_PROMOTIONS"},
    )
    fake_twilio.add_message("whatsapp:+15550107777", "can you stop by at 5?", date_sent=NOW)
    with open_book(tmp_path / "book.sqlite3") as book:
        pipeline = make_pipeline(book)
        poller_for(twilio_client, book, pipeline.ingest).poll_once()

        assert book.count_conversations() == 3
        pending = book.pending_detections()
        assert [d.message_text for d in pending] == ["STOP"]  # review mode: waits, highlighted
        ana = book.thread("+15550101234")
        assert [m.provider_message_id for m in ana if m.detection] == [stop_sid]
        # The quick-reply button is exact: applied at once, as a button, for marketing only.
        lucia = book.consent_state("+34600100200")
        assert lucia[MARKETING].state == "opted_out"
        assert book.history("+34600100200")[0].source is EventSource.BUTTON
        assert book.consent_state("+15550107777")[MARKETING].state != "opted_out"
        assert book.get_cursor(NAME) is not None


def test_restart_in_the_middle_of_a_page_neither_misses_nor_repeats(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    path = tmp_path / "book.sqlite3"
    backlog = [
        fake_twilio.add_message(
            f"whatsapp:+1555030{i:04d}", f"hello {i}", date_sent=NOW - timedelta(minutes=60 - i)
        )
        for i in range(45)
    ]
    results: list[IngestResult] = []

    # Run 1: page 0 is stored, then the app is stopped while page 1 is on the wire.
    gate = fake_twilio.hold_page(1)
    with open_book(path) as book:
        pipeline = make_pipeline(book)
        poller = poller_for(twilio_client, book, lambda ev: results.append(pipeline.ingest(ev)))
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                poller.poll_once()
            except PollStoppedError as exc:
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        assert wait_for(lambda: len(fake_twilio.list_requests()) == 2)
        # A message arrives while the poll is under way.
        during = fake_twilio.add_message(
            "whatsapp:+15550309999", "STOP", date_sent=NOW + timedelta(seconds=1)
        )
        assert poller.stop(timeout=0.01) is True  # not started as a thread: nothing to join
        gate.set()
        worker.join(10)
        assert outcome, "the walk should have been abandoned"
    first_run = stored_inbound_sids(path)
    assert len(first_run) == 10

    # Run 2: same book file, a new poller. Then one more poll for what arrived meanwhile.
    with open_book(path) as book:
        pipeline = make_pipeline(book)
        poller = poller_for(
            twilio_client,
            book,
            lambda ev: results.append(pipeline.ingest(ev)),
            clock=lambda: NOW + timedelta(minutes=1),
        )
        poller.poll_once()
        poller.poll_once()
    stored = stored_inbound_sids(path)
    assert Counter(stored) == Counter([*backlog, during])  # every SID exactly once
    assert sum(r.stored_messages for r in results) == 46
    assert sum(r.duplicates for r in results) == 10  # the re-read page 0, absorbed by the SID


def test_crash_half_way_through_a_page_then_restart(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    path = tmp_path / "book.sqlite3"
    backlog = [
        fake_twilio.add_message(
            f"whatsapp:+1555040{i:04d}",
            "STOP" if i % 7 == 0 else f"m{i}",
            date_sent=NOW - timedelta(minutes=50 - i),
        )
        for i in range(25)
    ]

    class PowerCutError(Exception):
        pass

    with open_book(path) as book:
        pipeline = make_pipeline(book)
        calls = 0

        def sink(events: Sequence[ProviderEvent]) -> None:
            nonlocal calls
            calls += 1
            if calls == 2:  # the second page: half of it is committed, then the lights go out
                pipeline.ingest(events[: len(events) // 2])
                raise PowerCutError
            pipeline.ingest(events)

        with pytest.raises(PowerCutError):
            poller_for(twilio_client, book, sink).poll_once()
        assert book.get_cursor(NAME) is None
    assert len(stored_inbound_sids(path)) == 15

    with open_book(path) as book:
        poller_for(twilio_client, book, make_pipeline(book).ingest).poll_once()
        assert len(book.pending_detections()) == 4  # STOP at 0, 7, 14, 21: each detected once
    assert Counter(stored_inbound_sids(path)) == Counter(backlog)


@pytest.mark.expect_log(level="WARNING", match=r"^Confirmation for event \d+ not sent")
def test_21610_on_confirmation_records_an_opt_out_with_that_evidence(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    fake_twilio.state.unsubscribed.add("whatsapp:+15550101234")
    fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=NOW)
    settings = Settings(provider="twilio", auto_mode=True)
    provider = TwilioProvider(twilio_client, BUSINESS, clock=lambda: NOW)
    with open_book(tmp_path / "book.sqlite3") as book:
        pipeline = make_pipeline(book, settings, sender=provider, clock=lambda: NOW)
        attach_opt_out_signal(provider, pipeline.ingest)
        poller_for(twilio_client, book, pipeline.ingest).poll_once()
        history = book.history("+15550101234")
        sources = [e.source for e in history]
        assert EventSource.KEYWORD in sources
        assert EventSource.TWILIO_ERROR_21610 in sources
        refused = next(e for e in history if e.source is EventSource.TWILIO_ERROR_21610)
        assert refused.evidence_message_id is not None and refused.evidence_message_id.startswith(
            "twilio-21610:"
        )
        assert book.may_send("+15550101234", MARKETING).allowed is False
    assert fake_twilio.sent() == []  # Twilio refused it; nothing went out


def test_confirmation_goes_out_through_twilio_once(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=NOW)
    settings = Settings(provider="twilio", auto_mode=True, shop_name="Rosa's Bakery")
    with open_book(tmp_path / "book.sqlite3") as book:
        pipeline = make_pipeline(
            book, settings, sender=TwilioProvider(twilio_client, BUSINESS), clock=lambda: NOW
        )
        poller = poller_for(twilio_client, book, pipeline.ingest)
        poller.poll_once()
        poller.poll_once()
    sent = fake_twilio.sent()
    assert [m["to"] for m in sent] == ["whatsapp:+15550101234"]
    assert sent[0]["body"]


def test_owner_switched_confirmations_off(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient, tmp_path: Path
) -> None:
    fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=NOW)
    settings = Settings(provider="twilio", auto_mode=True, send_confirmations=False)
    with open_book(tmp_path / "book.sqlite3") as book:
        pipeline = make_pipeline(
            book, settings, sender=TwilioProvider(twilio_client, BUSINESS), clock=lambda: NOW
        )
        poller_for(twilio_client, book, pipeline.ingest).poll_once()
        assert book.consent_state("+15550101234")["all"].state == "opted_out"
    assert fake_twilio.sent() == []
