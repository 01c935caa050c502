"""The chat journeys end to end through the ingest pipeline, a real book and a sender that can send
interactive messages: first-contact note once, the scope question as a STOP's one confirmation, the
scope tap, PREFERENCES and its toggle, each answered once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest

from desktop_app.domain.journeys import SCOPE_ALL, SCOPE_MARKETING, OutgoingMessage
from desktop_app.domain.model import MARKETING, ORDER_UPDATES, ContactRef, InboundMessage, MessageKind
from desktop_app.providers.base import ConnectionCheck, InteractiveSender, SendResult
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.journey_flow import JourneyFlow
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock

ANA, BEN = "+15550101234", "+15550105678"


class InteractiveRecorder:
    """A provider that takes buttons and lists (as the Cloud API does) and remembers each send."""

    name = "meta"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | OutgoingMessage]] = []
        self._ids = count(1)

    def send_text(self, to: str, text: str) -> SendResult:
        self.sent.append((to, text))
        return SendResult(ok=True, provider_message_id=f"wamid.out{next(self._ids)}")

    def send_interactive(self, to: str, message: OutgoingMessage) -> SendResult:
        self.sent.append((to, message))
        return SendResult(ok=True, provider_message_id=f"wamid.out{next(self._ids)}")

    def test_connection(self) -> ConnectionCheck:
        raise NotImplementedError

    def to(self, key: str) -> list[str | OutgoingMessage]:
        return [message for to, message in self.sent if to == key]


@pytest.fixture
def house(tmp_path: Path) -> Iterator[tuple[IngestPipeline, ConsentBook, InteractiveRecorder, Clock]]:
    clock = Clock(T0 + timedelta(minutes=5))
    book = ConsentBook.open(tmp_path / "book.sqlite3", default_region="US", now=clock)
    settings = Settings(shop_name="Rosa's Bakery")  # a new install's defaults: review mode, journeys on
    sender = InteractiveRecorder()
    pipeline = IngestPipeline(book, build_detector(settings), settings, sender=sender, clock=clock)
    flow = JourneyFlow(
        book, settings=lambda: pipeline.settings, sender=lambda: pipeline.sender, write=pipeline.write,
        clock=clock,
    )
    pipeline.journeys = flow
    pipeline.confirmations.ask_scope = flow.scope_question
    yield pipeline, book, sender, clock
    book.close()


_ids = count(1)


def _says(key: str, text: str, minutes: int) -> InboundMessage:
    at = T0 + timedelta(minutes=minutes)
    return InboundMessage("meta", f"wamid.in{next(_ids)}", ContactRef(key), at, text=text)


def _taps(key: str, payload: str, title: str, minutes: int) -> InboundMessage:
    return InboundMessage(
        "meta", f"wamid.in{next(_ids)}", ContactRef(key), T0 + timedelta(minutes=minutes),
        kind=MessageKind.INTERACTIVE, text=title, button_payload=payload, button_text=title,
    )


def test_a_new_customer_gets_one_first_contact_note_and_never_a_second(house) -> None:
    pipeline, book, sender, _ = house
    pipeline.ingest([_says(ANA, "Hi, are you open on Sunday?", 0)])
    pipeline.ingest([_says(ANA, "And do you have croissants?", 1)])
    [note] = sender.to(ANA)
    assert isinstance(note, str) and "Rosa's Bakery" in note and "STOP" in note and "PREFERENCES" in note
    [row] = [m for m in book.thread(ANA) if m.direction == "outbound"]
    assert row.kind == "journey:text" and row.category == "journey"


def test_a_fresh_stop_gets_the_scope_question_as_its_one_confirmation_and_no_note(house) -> None:
    pipeline, book, sender, _ = house
    pipeline.ingest([_says(BEN, "STOP", 0)])
    assert sender.to(BEN) == []  # review mode: nothing until the owner confirms, and no note
    [pending] = book.pending_detections()
    pipeline.confirm_detection(pending.id)
    [question] = sender.to(BEN)
    assert isinstance(question, OutgoingMessage) and question.kind == "button"
    assert [b.id for b in question.buttons] == [SCOPE_ALL, SCOPE_MARKETING]
    assert all(len(b.title) <= 20 for b in question.buttons)
    [row] = [m for m in book.thread(BEN) if m.direction == "outbound"]
    assert row.category == "confirmation" and row.journey == question

    pipeline.ingest([_taps(BEN, SCOPE_MARKETING, "Only stop offers", 3)])
    assert book.may_send(BEN, ORDER_UPDATES).allowed and not book.may_send(BEN, MARKETING).allowed
    answer = sender.to(BEN)[-1]
    assert isinstance(answer, str) and len(sender.to(BEN)) == 2


def test_preferences_gets_the_list_and_a_toggle_switches_and_answers(house) -> None:
    pipeline, book, sender, _ = house
    pipeline.ingest([_says(ANA, "Hello!", 0)])  # the first-contact note
    pipeline.ingest([_says(ANA, "PREFERENCES", 1)])
    menu = sender.to(ANA)[-1]
    assert isinstance(menu, OutgoingMessage) and menu.kind == "list"
    assert "cd:toggle:marketing" in [row.id for row in menu.rows]

    pipeline.ingest([_taps(ANA, "cd:toggle:marketing", "Offers and news", 2)])
    assert not book.may_send(ANA, MARKETING).allowed and book.may_send(ANA, ORDER_UPDATES).allowed
    assert len(sender.to(ANA)) == 3 and book.pending_detections() == []


def test_the_recorder_is_what_the_outbox_takes_for_an_interactive_provider() -> None:
    assert isinstance(InteractiveRecorder(), InteractiveSender)


def test_a_stale_scope_tap_from_a_customer_who_gets_everything_is_not_answered(house) -> None:
    pipeline, book, sender, _ = house
    pipeline.ingest([_says(BEN, "Hello", 0)])  # the first-contact note
    pipeline.ingest([_taps(BEN, SCOPE_MARKETING, "Only stop offers", 1)])
    assert len(sender.to(BEN)) == 1 and book.may_send(BEN, MARKETING).allowed


def test_a_backlog_caught_up_later_gets_no_first_contact_note(house) -> None:
    pipeline, _, sender, clock = house
    clock.advance(hours=2)  # e.g. Twilio's first poll reads the last day's messages
    pipeline.ingest([_says(ANA, "Hi, is the shop open?", 0)])
    assert sender.to(ANA) == []
