"""Real consent book + ingest pipeline for the Twilio end-to-end tests, and a direct look at stored SIDs."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from desktop_app.services.composition import build_detector
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook


def open_book(path: Path) -> ConsentBook:
    return ConsentBook.open(path, default_region="US", backup_dir=path.parent / "backups")


def make_pipeline(
    book: ConsentBook, settings: Settings | None = None, sender=None, clock=None
) -> IngestPipeline:
    settings = settings or Settings(provider="twilio")
    extra = {} if clock is None else {"clock": clock}
    return IngestPipeline(book, build_detector(settings), settings, sender=sender, **extra)


def stored_inbound_sids(path: Path) -> list[str]:
    """Every stored inbound Twilio SID, read straight from the file (duplicates would show twice)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT provider_message_id FROM messages WHERE provider = 'twilio' AND direction = 'inbound'"
        ).fetchall()
    return [row[0] for row in rows]


def sids_when_ready(path: Path) -> list[str]:
    """For polling from another process/thread: a book still being created reads as empty."""
    if not path.exists():
        return []
    try:
        return stored_inbound_sids(path)
    except sqlite3.OperationalError:
        return []
