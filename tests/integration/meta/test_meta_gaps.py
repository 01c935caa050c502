"""Gaps are visible: more than a day without Meta reaching the app is said with its date and meaning."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.providers.base import ConnectionState
from desktop_app.services.composition import House
from desktop_app.services.meta_webhook import LAST_DELIVERY_CURSOR, unreachable_warning
from desktop_app.services.provider_registry import provider_spec
from desktop_app.services.settings import Settings
from tests.clocks import T0, Clock
from tests.integration.meta.pipeline_helpers import APP_SECRET, signed
from tests.waiting import wait_for


class _Secrets:
    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        return {"meta.app_secret": APP_SECRET, "meta.verify_token": "v"}.get(name)


@pytest.fixture
def book(tmp_path: Path) -> Iterator:
    from desktop_app.storage.book import ConsentBook

    consent_book = ConsentBook.open(tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "b")
    try:
        yield consent_book
    finally:
        consent_book.close()


@pytest.mark.expect_log("desktop_app.services.meta_webhook", "WARNING", "has not reached the app since")
def test_a_gap_of_two_days_says_since_when_then_a_delivery_clears_it(book, meta_fixtures: Path) -> None:
    start = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # after the fixture's own time: no clock-skew warning
    clock = Clock(start)
    book.set_cursor(LAST_DELIVERY_CURSOR, (start - timedelta(days=2, hours=3)).isoformat())
    states: list[tuple[ConnectionState, str]] = []
    house = House(
        book,
        Settings(provider="meta"),
        _Secrets(),
        provider=provider_spec("meta"),
        sender=None,
        detector=Detector(Lexicon.load_default()),
        clock=clock,
    )
    with house:
        source = house.start_source(lambda state, message: states.append((state, message)), port=0)
        state, message = states[-1]
        assert state is ConnectionState.WEBHOOK_WAITING
        assert "since 29 Jun 2026 06:00 UTC (2 days)" in message
        assert "at most 7 days" in message and "06 Jul 2026 06:00 UTC" in message

        host, port = source.service.server.address  # type: ignore[attr-defined]
        conn = http.client.HTTPConnection(host, port, timeout=10)
        body, signature = signed((meta_fixtures / "reaction.json").read_bytes())
        conn.request("POST", "/webhook", body, {"X-Hub-Signature-256": signature})
        assert conn.getresponse().status == 200
        conn.close()
        assert wait_for(lambda: states[-1][0] is ConnectionState.CONNECTED, timeout=10)
    assert states[-1][1] == "Meta reached the app at 09:00 UTC"
    assert book.get_cursor(LAST_DELIVERY_CURSOR) == start.isoformat()  # the injected clock, not the wall's


def test_a_day_is_not_yet_a_gap_and_past_a_week_the_loss_is_named(book) -> None:
    book.set_cursor(LAST_DELIVERY_CURSOR, T0.isoformat())
    assert unreachable_warning(book, now=T0 + timedelta(days=1)) is None
    warning = unreachable_warning(book, now=T0 + timedelta(days=10))
    assert warning is not None
    assert "since 02 Mar 2026 09:00 UTC (10 days)" in warning
    assert "between 02 Mar 2026 09:00 UTC and 05 Mar 2026 09:00 UTC are lost" in warning
