"""A correction after STOP: applied as the opt-in it is in automatic mode, closes the STOP in review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import MARKETING, ContactRef, InboundMessage
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARIE, SAM = "+33612345678", "+15550107777"


def _message(n: int, phone: str, text: str, minutes: int) -> InboundMessage:
    return InboundMessage("demo", f"m{n}", ContactRef(phone), T0 + timedelta(minutes=minutes), text=text)


def _pipeline(book: ConsentBook, *, auto: bool, now: timedelta = timedelta(hours=1)) -> IngestPipeline:
    settings = Settings(auto_mode=auto)
    return IngestPipeline(book, build_detector(settings), settings, clock=lambda: T0 + now)


@pytest.mark.parametrize("correction", ["sorry, mistake! START", "Pardon, erreur ! START"])
def test_in_automatic_mode_the_correction_opts_the_customer_back_in(tmp_path: Path, correction: str) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book, auto=True)
        pipeline.ingest([_message(1, MARIE, "STOP", 0), _message(2, SAM, "STOP", 1)])
        assert not book.may_send(MARIE, MARKETING).allowed

        pipeline.ingest([_message(3, MARIE, correction, 2)])

        assert book.may_send(MARIE, MARKETING).allowed  # she ends opted in
        assert book.consent_state(MARIE)["all"].state == "opted_in"
        assert not book.may_send(SAM, MARKETING).allowed  # another customer's STOP stands
        [applied] = [d for d in book.auto_applied_detections() if d.message_text == correction]
        assert "took back" in applied.explanation  # the list says why
        assert book.verify().ok


def test_in_review_mode_marie_s_model_read_correction_closes_her_stop(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book, auto=False)
        pipeline.ingest([_message(1, MARIE, "STOP", 0)])
        pipeline.ingest([_message(2, MARIE, "Pardon, erreur ! START", 2)])

        [waiting] = book.pending_detections()
        assert waiting.kind.value == "opt_in" and waiting.message_text == "Pardon, erreur ! START"
        assert "took back their stop request" in waiting.explanation  # the banner says so
        closed = [m for m in book.thread(MARIE) if m.detection and m.detection.status == "dismissed"]
        assert [m.text for m in closed] == ["STOP"]
        assert book.history(MARIE) == []  # nothing applied, nothing to reverse


def test_an_opt_in_long_after_a_stop_is_not_a_correction(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book, auto=False, now=timedelta(days=3))
        pipeline.ingest([_message(1, MARIE, "STOP", 0)])
        pipeline.ingest([_message(2, MARIE, "Pardon, erreur ! START", 60 * 48)])
        assert sorted(d.kind.value for d in book.pending_detections()) == ["opt_in", "opt_out"]


def test_a_model_opt_in_without_a_start_word_opts_nobody_back_in(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        pipeline = _pipeline(book, auto=True)
        pipeline.ingest([_message(1, MARIE, "STOP", 0)])
        pipeline.ingest([_message(2, MARIE, "désolée, je me suis trompée", 2)])  # the model: opt-in
        assert not book.may_send(MARIE, MARKETING).allowed  # still opted out
        [waiting] = book.pending_detections()  # it waits for the owner instead
        assert waiting.rule.startswith("model:")
