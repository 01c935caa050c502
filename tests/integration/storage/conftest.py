"""Fixtures for consent-book tests: real SQLite files in tmp_path, a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, EventSource, InboundMessage, Verdict, VerdictKind
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock

__all__ = ["T0", "Clock", "inbound", "verdict"]  # the storage tests import these from here


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
