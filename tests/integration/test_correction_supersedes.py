"""A customer's correction after STOP closes that STOP in the review queue; nothing else moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.domain.model import MARKETING, ContactRef, InboundMessage
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARIE, SAM = "+33612345678", "+15550107777"


def _message(n: int, phone: str, text: str, minutes: int) -> InboundMessage:
    return InboundMessage("demo", f"m{n}", ContactRef(phone), T0 + timedelta(minutes=minutes), text=text)


def _pipeline(book: ConsentBook) -> IngestPipeline:
    settings = Settings()  # review mode: nothing is applied without the owner
    return IngestPipeline(book, build_detector(settings), settings, clock=lambda: T0 + timedelta(hours=1))


def test_a_correction_closes_the_earlier_pending_stop_only(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book)
        pipeline.ingest([_message(1, MARIE, "STOP", 0), _message(2, SAM, "STOP", 1)])
        assert len(book.pending_detections()) == 2

        pipeline.ingest([_message(3, MARIE, "sorry, wrong chat, START", 2)])

        pending = book.pending_detections()
        by_text = {d.message_text: d for d in pending}
        assert "STOP" in by_text and by_text["STOP"].contact_key == SAM  # another customer's STOP waits
        assert by_text["sorry, wrong chat, START"].kind.value == "opt_in"  # the correction waits too
        closed = [d for d in book.thread(MARIE) if d.detection and d.detection.status == "dismissed"]
        assert [m.text for m in closed] == ["STOP"]
        assert closed[0].detection.decided_by.startswith("customer")
        assert book.may_send(MARIE, MARKETING).allowed  # nothing was ever applied, nothing reversed


def test_a_stop_sent_after_the_correction_still_waits(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book)
        # Delivered out of order: the later STOP arrives first, the earlier correction after it.
        pipeline.ingest([_message(1, MARIE, "STOP", 10)])
        pipeline.ingest([_message(2, MARIE, "I sent that by mistake, keep me on", 5)])
        kinds = sorted(d.kind.value for d in book.pending_detections())
        assert kinds == ["opt_in", "opt_out"]
