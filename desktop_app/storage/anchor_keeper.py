"""Keeps the anchor file up to date off the writer's path: commits only mark it stale, a thread writes it."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop_app.domain.consent import iso_utc
from desktop_app.storage.anchor import (
    Anchor,
    AnchorUnreadableError,
    anchor_path,
    departure,
    observe,
    read_anchor,
    write_anchor,
)
from desktop_app.storage.signing import KeyState

log = logging.getLogger(__name__)

COALESCE_S = 0.25  # a burst of commits becomes one anchor write (one fsync) at most this often


class AnchorKeeper:
    """Advances the anchor only while the book extends it: a book found behind it is never re-anchored
    silently (the evidence stays until the owner accepts the book as it is: `rebuild --reanchor`)."""

    def __init__(
        self,
        book: Path,
        keys: KeyState,
        now: Callable[[], datetime],
        *,
        busy_timeout_ms: int,
        coalesce_s: float = COALESCE_S,
    ) -> None:
        self.path = anchor_path(book)
        self._book = book
        self._key = keys.key
        self._now = now
        self._busy_ms = busy_timeout_ms
        self._coalesce_s = coalesce_s
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._current: Anchor | None = None
        self.held: str | None = None  # why the anchor is not being advanced
        self._thread = threading.Thread(target=self._run, name="consent-book-anchor", daemon=True)

    def _connect(self) -> sqlite3.Connection:
        raw = sqlite3.connect(self._book, isolation_level=None)
        raw.execute(f"PRAGMA busy_timeout={int(self._busy_ms)}")
        return raw

    def start(self) -> None:
        """Check the book against its anchor (before anything is written), anchor it, start the thread."""
        try:
            self._current = read_anchor(self.path)
        except AnchorUnreadableError as exc:
            self._hold(str(exc))
        if self._current is None and self.held is None:
            raw = self._connect()
            try:
                anchored = raw.execute("SELECT anchored_at FROM book_identity WHERE id = 1").fetchone()
                if anchored is not None and anchored[0] is not None:
                    self._hold(
                        f"its anchor {self.path.name} is missing (the book was anchored {anchored[0]})"
                    )
                else:
                    raw.execute(
                        "UPDATE book_identity SET anchored_at = ? WHERE id = 1", (iso_utc(self._now()),)
                    )
            finally:
                raw.close()
        self.flush()
        self._thread.start()

    def _hold(self, reason: str) -> None:
        if self.held is None:
            self.held = reason
            log.error(
                "The consent book %s no longer matches its anchor: %s. The anchor is kept as it is; "
                "run `consent-desk verify` for the details.",
                self._book.name,
                reason,
            )

    def touch(self) -> None:
        """Called after every commit: costs a flag, never a file write."""
        self._dirty.set()

    def flush(self) -> Anchor | None:
        """Write the anchor now if the book moved on since the last write; returns the anchor on disk."""
        with self._lock:
            if self.held is not None:
                return self._current
            raw = self._connect()
            try:
                raw.execute("BEGIN")  # one snapshot for the head and the checks against the old anchor
                seen = observe(raw)
                behind = departure(self._current, raw, seen) if self._current else []
                raw.execute("COMMIT")
            finally:
                raw.close()
            if behind:
                self._hold("; ".join(behind))
                return self._current
            if self._current is not None and self._current.seen == seen:
                return self._current
            seq = self._current.seq + 1 if self._current else 1
            anchor = Anchor(seq, iso_utc(self._now()), seen).signed(self._key)
            write_anchor(self.path, anchor)
            self._current = anchor
            return anchor

    def reset(self) -> Anchor | None:
        """Accept the book as it is now: forget the old anchor and write a new one from the book."""
        with self._lock:
            self.held = None
            self._current = None
            self.path.unlink(missing_ok=True)
        return self.flush()

    def _run(self) -> None:
        while True:
            self._dirty.wait()
            if self._stopping.wait(self._coalesce_s):
                return
            self._dirty.clear()
            try:
                self.flush()
            except (OSError, sqlite3.Error) as exc:  # the next commit tries again; the book is unaffected
                log.warning("Could not update the anchor of %s: %s", self._book.name, exc)

    def stop(self) -> None:
        """Stop the thread and write the final anchor."""
        self._stopping.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            self.flush()
        except (OSError, sqlite3.Error) as exc:
            log.warning("Could not write the final anchor of %s: %s", self._book.name, exc)
