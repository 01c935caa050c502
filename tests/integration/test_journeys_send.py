"""send_journey on a real consent book: once per trigger, the 24-hour window, the gate, failures kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.journeys import OutgoingMessage
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.providers.base import SendResult
from desktop_app.services.journeys import send_journey
from desktop_app.storage import journey_log
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock

KEY = "+15550101234"


class RecordingSender:
    """A provider stand-in that records what it was asked to send (the thing under test is send_journey)."""

    name = "meta"

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.sent: list[str] = []

    def send_text(self, to: str, text: str) -> SendResult:
        self.sent.append(text)
        if not self.ok:
            return SendResult(False, error_code=131056, error_message="pair rate limit")
        return SendResult(True, provider_message_id=f"wamid.out{len(self.sent)}")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def book(tmp_path: Path, clock: Clock) -> Iterator[ConsentBook]:
    opened = ConsentBook.open(
        tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "backups", now=clock
    )
    yield opened
    opened.close()


def _here(op: Callable[[], object]) -> object:
    return op()


def _send(book: ConsentBook, sender: RecordingSender, clock: Clock, kind: str = "transparency") -> str:
    return send_journey(
        book,
        sender,
        _here,
        contact_key=KEY,
        kind=kind,
        trigger="first-contact",
        language="en",
        message=OutgoingMessage(body="We keep your choices."),
        last_inbound_at=T0,
        now=clock,
    ).status


def test_sent_once_per_trigger_and_stored_as_journey_row(book: ConsentBook, clock: Clock) -> None:
    sender = RecordingSender()
    assert _send(book, sender, clock) == "sent"
    assert _send(book, sender, clock) == "skipped: already sent"
    assert sender.sent == ["We keep your choices."]
    outbound = [m for m in book.thread(KEY) if m.kind.startswith("journey:")]
    assert len(outbound) == 1 and outbound[0].kind == "journey:text"


def test_outside_the_24_hour_window_nothing_is_claimed(book: ConsentBook, clock: Clock) -> None:
    clock.current = T0 + timedelta(hours=24)
    sender = RecordingSender()
    assert _send(book, sender, clock) == "skipped: outside the 24-hour window"
    assert sender.sent == []
    with book.unit_of_work() as uow:
        assert journey_log.find(uow.journey_connection, KEY) == []


def test_opted_out_of_all_gets_no_transparency_but_asked_answers_go(book: ConsentBook, clock: Clock) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(
            NewConsentEvent(KEY, "all", ConsentAction.OPT_OUT, T0, EventSource.BUTTON, decided_by="customer")
        )
    sender = RecordingSender()
    assert _send(book, sender, clock) == "skipped: opted out"
    assert _send(book, sender, clock, kind="scope_answer") == "sent"
    assert len(sender.sent) == 1


def test_a_failed_send_is_recorded_and_not_retried(book: ConsentBook, clock: Clock) -> None:
    sender = RecordingSender(ok=False)
    assert _send(book, sender, clock).startswith("failed")
    assert _send(book, sender, clock) == "skipped: already sent"
    assert len(sender.sent) == 1


def test_a_marketing_message_gets_the_reminder_footer_once(book: ConsentBook, clock: Clock) -> None:
    from desktop_app.services.outbox import GuardedOutbox

    sender = RecordingSender()
    outbox = GuardedOutbox(
        book, sender, now=clock, reminder_footer=lambda key: "Reply PREFERENCES to choose."
    )
    assert outbox.send(KEY, "New spring sale", "marketing").ok
    assert outbox.send(KEY, "Sale!\nReply PREFERENCES to choose.", "marketing").ok
    assert sender.sent[0] == "New spring sale\nReply PREFERENCES to choose."
    assert sender.sent[1].count("Reply PREFERENCES to choose.") == 1
