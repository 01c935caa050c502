"""Moves WAL checkpoints off the writer's path: a background thread copies the WAL into the book."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

CHECK_EVERY_S = 1.0
CHECKPOINT_ABOVE_BYTES = 8 * 1024 * 1024


class Checkpointer:
    """Runs PASSIVE checkpoints (they never block readers or the writer) once the WAL has grown.

    Writers run with wal_autocheckpoint=0, so a commit only appends to the WAL and fsyncs it; without
    this thread the WAL would grow until close().
    """

    def __init__(
        self, path: Path, *, every_s: float = CHECK_EVERY_S, above_bytes: int = CHECKPOINT_ABOVE_BYTES
    ):
        self._path = path
        self._wal = Path(str(path) + "-wal")
        self._every_s = every_s
        self._above = above_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="consent-book-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _wal_size(self) -> int:
        try:
            return self._wal.stat().st_size
        except OSError:
            return 0

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        raw = sqlite3.connect(self._path, isolation_level=None)
        try:
            raw.execute("PRAGMA busy_timeout=1000")
            raw.execute(f"PRAGMA wal_checkpoint({mode})")
        finally:
            raw.close()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            if self._wal_size() <= self._above:
                continue
            try:
                self.checkpoint()
            except sqlite3.Error as exc:  # a missed checkpoint only delays the copy; the next tick retries
                log.warning("WAL checkpoint of %s failed: %s", self._path, exc)

    def stop(self) -> None:
        """Stop the thread and copy whatever is left, so a closed book is a single complete file."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
        if self._thread.is_alive():  # a huge checkpoint is still copying; SQLite finishes it on next open
            log.info(
                "WAL checkpoint of %s still running at close; leaving the rest to the next open", self._path
            )
            return
        try:
            self.checkpoint("TRUNCATE")
        except sqlite3.Error as exc:
            log.warning("final WAL checkpoint of %s failed: %s", self._path, exc)
