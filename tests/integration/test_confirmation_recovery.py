"""A confirmation that never left (the app stopped between commit and send) goes out at the next start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.domain.detection import classify
from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactRef,
    InboundMessage,
    MessageKind,
    PreferenceChange,
)
from desktop_app.providers.demo import DemoSender
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook


def _pipeline(
    book: ConsentBook, sender: DemoSender | None, clock: Callable[[], datetime] | None = None
) -> IngestPipeline:
    settings = Settings(auto_mode=True)
    if clock is None:
        return IngestPipeline(book, build_detector(settings), settings, sender=sender)
    return IngestPipeline(book, build_detector(settings), settings, sender=sender, clock=clock)


def test_missing_confirmations_are_sent_once_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "book.sqlite3"
    now = datetime.now(UTC)
    book = ConsentBook.open(path)
    try:
        offline = _pipeline(book, sender=None)  # as if the app died before it could send
        offline.ingest(
            [
                InboundMessage(
                    "meta", "w.1", ContactRef("15550101234"), now - timedelta(minutes=5), text="BAJA"
                ),
                InboundMessage(
                    "meta", "w.2", ContactRef("15550105678"), now - timedelta(minutes=4),
                    kind=MessageKind.BUTTON, text="Stop promotions", button_text="Stop promotions",
                    button_payload="STOP_PROMOTIONS",
                ),
                PreferenceChange(
                    "meta", ContactRef("15550109876"), MARKETING, ConsentAction.OPT_OUT,
                    now - timedelta(minutes=3), dedupe_key="pref.1",
                ),
            ]
        )
        assert classify("BAJA").auto
        assert len(book.unconfirmed_opt_outs(now - timedelta(days=1))) == 2  # not Meta's own opt-out
    finally:
        book.close()

    book = ConsentBook.open(path)
    try:
        sender = DemoSender()
        restarted = _pipeline(book, sender)
        assert restarted.resend_missing_confirmations(now) == 2
        recipients = sorted(to for to, _ in sender.sent)
        assert recipients == ["+15550101234", "+15550105678"]
        spanish = next(text for to, text in sender.sent if to == "+15550101234")
        assert spanish != next(text for to, text in sender.sent if to == "+15550105678")  # its language
        assert restarted.resend_missing_confirmations(now) == 0  # never twice
        assert len(sender.sent) == 2
    finally:
        book.close()


def test_an_opt_out_undone_before_its_confirmation_left_is_not_confirmed_at_the_next_start(
    tmp_path: Path,
) -> None:
    """The owner's undo inside the hold window reverses the opt-out; a restart must not say "stopped"."""
    path = tmp_path / "book.sqlite3"
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    book = ConsentBook.open(path)
    try:
        offline = _pipeline(book, None, lambda: now)  # the confirmation was held, then the app stopped
        offline.ingest(
            [
                InboundMessage(
                    "meta", "w.1", ContactRef("15550101234"), now - timedelta(minutes=5), text="STOP"
                ),
                InboundMessage(
                    "meta", "w.2", ContactRef("15550105678"), now - timedelta(minutes=4), text="BAJA"
                ),
            ]
        )
        undone = next(d for d in book.auto_applied_detections() if d.contact_key == "+15550101234")
        book.reverse_detection(undone.id)
        assert book.may_send("+15550101234", "marketing").allowed
    finally:
        book.close()

    book = ConsentBook.open(path)
    try:
        sender = DemoSender()
        assert _pipeline(book, sender, lambda: now).resend_missing_confirmations(now) == 1
        assert [to for to, _ in sender.sent] == ["+15550105678"]  # only the opt-out that still stands
    finally:
        book.close()
