"""Journey taps become the customer's exact events, applied to a real book: scope and toggle choices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.journeys import parse_tap
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.services.journey_taps import tap_events
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock

KEY = "+15550101234"


@pytest.fixture
def book(tmp_path: Path) -> Iterator[ConsentBook]:
    opened = ConsentBook.open(
        tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "backups", now=Clock(T0)
    )
    yield opened
    opened.close()


def _apply(book: ConsentBook, payload: str, wamid: str) -> int:
    tap = parse_tap(payload)
    assert tap is not None
    events = tap_events(
        tap,
        contact_key=KEY,
        states=book.consent_state(KEY),
        categories=book.categories(),
        message_id=wamid,
        title="Only stop offers",
        at=T0,
    )
    with book.unit_of_work() as uow:
        for event in events:
            uow.append_event(event)
    return len(events)


def _state(book: ConsentBook) -> dict[str, str]:
    return {name: s.state for name, s in book.consent_state(KEY).items()}


def test_only_stop_offers_after_a_full_stop(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(
            NewConsentEvent(
                KEY, "all", ConsentAction.OPT_OUT, T0, EventSource.KEYWORD, decided_by="auto:stop"
            )
        )
    assert _apply(book, "cd:scope:marketing", "wamid.tap1") == 2
    assert _state(book)["marketing"] == "opted_out"
    assert book.may_send(KEY, "order_updates").allowed
    assert not book.may_send(KEY, "marketing").allowed


def test_scope_tap_without_a_full_stop_changes_nothing(book: ConsentBook) -> None:
    assert _apply(book, "cd:scope:marketing", "wamid.tap2") == 0


def test_toggle_marketing_switches_it_and_unknown_category_is_ignored(book: ConsentBook) -> None:
    assert _apply(book, "cd:toggle:marketing", "wamid.tap3") == 1
    assert not book.may_send(KEY, "marketing").allowed
    assert _apply(book, "cd:toggle:nonsense", "wamid.tap4") == 0
