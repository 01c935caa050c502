"""Fixtures for consent-book tests: real SQLite files in tmp_path, a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, EventSource, InboundMessage, Verdict, VerdictKind
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    return tmp_path / "book.sqlite3"


@pytest.fixture
def book(book_path: Path, clock: Clock) -> Iterator[ConsentBook]:
    opened = ConsentBook.open(
        book_path, default_region="US", backup_dir=book_path.parent / "backups", now=clock
    )
    yield opened
    opened.close()


def inbound(
    pmid: str, phone: str = "15550101234", text: str = "STOP", at: datetime = T0, name: str | None = None
) -> InboundMessage:
    return InboundMessage("meta", pmid, ContactRef(phone, name=name), at, text=text)


def verdict(
    kind: VerdictKind = VerdictKind.OPT_OUT, scope: str = "all", source=EventSource.KEYWORD
) -> Verdict:
    return Verdict(kind, scope, 0.75, False, "en", f"{source.value}:en:stop", "Says stop.", ((0, 4),), source)
