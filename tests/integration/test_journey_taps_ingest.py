"""Through the ingest pipeline, a tap on one of our journey buttons is the customer's exact choice:
recorded at once in review mode, never a pending detection, never read by the detector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.domain.model import (
    ALL,
    MARKETING,
    ORDER_UPDATES,
    ContactRef,
    EventSource,
    InboundMessage,
    MessageKind,
)
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANA = "+15550101234"


def _text(n: int, text: str, minutes: int) -> InboundMessage:
    return InboundMessage("meta", f"wamid.{n}", ContactRef(ANA), T0 + timedelta(minutes=minutes), text=text)


def _tap(n: int, payload: str, title: str, minutes: int) -> InboundMessage:
    return InboundMessage(
        "meta", f"wamid.{n}", ContactRef(ANA), T0 + timedelta(minutes=minutes),
        kind=MessageKind.INTERACTIVE, text=title, button_payload=payload, button_text=title,
    )


def _pipeline(book: ConsentBook) -> IngestPipeline:
    settings = Settings()  # review mode, default categories
    return IngestPipeline(book, build_detector(settings), settings, clock=lambda: T0 + timedelta(hours=1))


def test_only_stop_offers_after_a_confirmed_stop_narrows_it_in_review_mode(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book)
        pipeline.ingest([_text(1, "STOP", 0)])
        [pending] = book.pending_detections()
        pipeline.confirm_detection(pending.id, confirm_now=False)
        assert not book.may_send(ANA, ORDER_UPDATES).allowed

        result = pipeline.ingest([_tap(2, "cd:scope:marketing", "Only stop offers", 2)])

        assert len(result.applied_event_ids) == 2 and book.pending_detections() == []
        assert book.may_send(ANA, ORDER_UPDATES).allowed and not book.may_send(ANA, MARKETING).allowed
        states = book.consent_state(ANA)
        assert states[ALL].state == "opted_in" and states[MARKETING].source == EventSource.BUTTON


def test_a_redelivered_tap_changes_nothing_twice_and_a_toggle_switches_back(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book)
        pipeline.ingest([_tap(1, "cd:toggle:marketing", "Offers and news", 0)])
        again = pipeline.ingest([_tap(1, "cd:toggle:marketing", "Offers and news", 0)])
        assert again.duplicates == 1 and not book.may_send(ANA, MARKETING).allowed

        pipeline.ingest([_tap(2, "cd:toggle:marketing", "Offers and news", 1)])
        assert book.may_send(ANA, MARKETING).allowed and book.pending_detections() == []


def test_our_stop_everything_row_is_the_customers_full_opt_out_not_a_detection(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book)
        pipeline.ingest([_tap(1, "cd:toggle:all", "Stop everything", 0)])
        assert book.pending_detections() == [] and not book.may_send(ANA, ORDER_UPDATES).allowed
        [event] = book.history(ANA)
        assert event.decided_by == "customer" and event.source == EventSource.BUTTON
        assert event.evidence_message_id == "wamid.1" and "Stop everything" in (event.evidence_text or "")
