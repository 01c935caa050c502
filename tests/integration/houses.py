"""Test sessions built by the app's own composition root (services.composition.House)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from desktop_app.domain.model import IngestResult, ProviderEvent
from desktop_app.services.book_writer import BookWriter, Prepared
from desktop_app.services.composition import House
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings


def house(book: Any, settings: Settings, **options: Any) -> House:
    """A running house on `book` (writer thread, network pool, pipeline); the caller closes it."""
    options.setdefault("sender", None)
    return House(book, settings, SecretStore(), **options)


def events_writer(
    ingest: Callable[[Sequence[ProviderEvent]], IngestResult], book: Any = None
) -> BookWriter[Any]:
    """A started book writer whose ingest is `ingest(events)` (no classification), for route tests."""

    def commit(items: Sequence[Prepared]) -> IngestResult:
        return ingest([event for event, _ in items])

    return BookWriter(book, commit=commit).start()
