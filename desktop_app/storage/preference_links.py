"""Reads and writes of preference_links (the preferences page's link generation) and contact ids."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from desktop_app.domain.consent import iso_utc

T = TypeVar("T")


class LinkReads:
    """A read-only connection of its own to the book file, for the page's lookups off the writer's thread."""

    def __init__(self, path: Path) -> None:
        self._raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._raw.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.Lock()

    def run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            return read(self._raw)

    def close(self) -> None:
        with self._lock:
            self._raw.close()


def contact_id(raw: sqlite3.Connection, contact_key: str) -> int | None:
    """The contact's row id: the page's links name a contact by it, never by phone number."""
    row = raw.execute("SELECT id FROM contacts WHERE key = ?", (contact_key,)).fetchone()
    return None if row is None else int(row[0])


def contact_key(raw: sqlite3.Connection, contact_row_id: int) -> str | None:
    row = raw.execute("SELECT key FROM contacts WHERE id = ?", (contact_row_id,)).fetchone()
    return None if row is None else str(row[0])


def generation(raw: sqlite3.Connection, contact_key: str) -> int:
    """The contact's current link generation (1 until a revocation bumps it)."""
    row = raw.execute(
        "SELECT generation FROM preference_links WHERE contact_key = ?", (contact_key,)
    ).fetchone()
    return 1 if row is None else int(row[0])


def bump_generation(raw: sqlite3.Connection, contact_key: str, now: datetime) -> int:
    """Revoke every link given so far (inside the caller's write transaction); returns the new generation."""
    stamp = iso_utc(now)
    raw.execute(
        "INSERT INTO preference_links (contact_key, generation, revoked_at, updated_at) VALUES (?, 2, ?, ?) "
        "ON CONFLICT(contact_key) DO UPDATE SET generation = generation + 1, "
        "revoked_at = excluded.revoked_at, updated_at = excluded.updated_at",
        (contact_key, stamp, stamp),
    )
    return generation(raw, contact_key)
