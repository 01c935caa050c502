"""Keeps the WAL bounded off the writer's path: copy it into the book, restart it, truncate it when idle."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MIB = 1024 * 1024
CHECK_EVERY_S = 0.5
CHECKPOINT_ABOVE_BYTES = 4 * MIB
RESTART_ABOVE_BYTES = 8 * MIB
WAL_SIZE_LIMIT_BYTES = 16 * MIB  # PRAGMA journal_size_limit: a restarted WAL is cut back to this
WRITER_BACKSTOP_PAGES = 8192  # the writer checkpoints itself only if this thread fell far behind (32 MiB)
IDLE_TRUNCATE_S = 30.0
CHECKPOINT_BUSY_MS = 1000
WAL_FRAME_HEADER = 24


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    """When the background thread copies, restarts and truncates the WAL (clock injectable for tests)."""

    every_s: float = CHECK_EVERY_S
    above_bytes: int = CHECKPOINT_ABOVE_BYTES  # a PASSIVE copy of a changed WAL once its file is this big
    restart_above_bytes: int = RESTART_ABOVE_BYTES  # PASSIVE fell behind with this much WAL: RESTART
    idle_s: float = IDLE_TRUNCATE_S  # the WAL unchanged this long: TRUNCATE it to nothing
    clock: Callable[[], float] = time.monotonic


class Checkpointer:
    """Runs the checkpoint policy every `every_s` on its own thread.

    Writers run with wal_autocheckpoint at a far backstop, so a commit normally only appends to the WAL
    and fsyncs it. A PASSIVE checkpoint never blocks anyone, but it never rewinds the WAL either: SQLite
    rewinds only at a commit that finds every frame copied and no reader holding a snapshot in the WAL,
    which under sustained traffic with the UI reading almost never happens, so the file grew for as long
    as traffic lasted (and, without journal_size_limit, never shrank). Hence a RESTART once the WAL holds
    more than `restart_above_bytes` (journal_size_limit then cuts the file back) and a TRUNCATE once the
    book has been idle for `idle_s`.
    """

    def __init__(self, path: Path, policy: CheckpointPolicy | None = None, **overrides: Any) -> None:
        self._path = path
        self._wal = Path(str(path) + "-wal")
        self.policy = dataclasses.replace(policy or CheckpointPolicy(), **overrides)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="consent-book-checkpoint", daemon=True)
        self._seen: tuple[int, int] | None = None
        self._changed_at = self.policy.clock()
        self._frame_bytes = 4096 + WAL_FRAME_HEADER
        self.peak_bytes = 0  # the largest WAL this thread saw, for benchmarks and logs

    def start(self) -> None:
        self._thread.start()

    def _stat(self) -> tuple[int, int]:
        try:
            info = self._wal.stat()
        except OSError:
            return 0, 0
        return info.st_size, info.st_mtime_ns

    def checkpoint(self, mode: str = "PASSIVE", busy_ms: int = CHECKPOINT_BUSY_MS) -> tuple[int, int, int]:
        """(busy, frames in the WAL, frames copied) as PRAGMA wal_checkpoint reports them."""
        raw = sqlite3.connect(self._path, isolation_level=None)
        try:
            raw.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            raw.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
            row = raw.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            self._frame_bytes = int(raw.execute("PRAGMA page_size").fetchone()[0]) + WAL_FRAME_HEADER
        finally:
            raw.close()
        return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)

    def tick(self) -> str | None:
        """One step of the policy; returns the checkpoint mode it ran, if any."""
        size, mtime = self._stat()
        self.peak_bytes = max(self.peak_bytes, size)
        now = self.policy.clock()
        changed = (size, mtime) != self._seen
        if changed:
            self._seen, self._changed_at = (size, mtime), now
        if size == 0:
            return None
        if not changed:
            if now - self._changed_at < self.policy.idle_s:
                return None
            busy, _, _ = self.checkpoint("TRUNCATE", busy_ms=100)
            if not busy:
                log.debug("WAL of %s truncated after %.1f s idle", self._path, now - self._changed_at)
            return "TRUNCATE"
        if size <= self.policy.above_bytes:
            return None
        _, frames, _ = self.checkpoint("PASSIVE")
        if frames * self._frame_bytes > self.policy.restart_above_bytes:
            # Even a complete copy leaves the WAL growing while some reader still holds a snapshot in it
            # at the writer's next commit. RESTART waits (briefly, writers too) for readers to leave the
            # WAL and rewinds it, so the next commit writes from its start.
            self.checkpoint("RESTART")
            return "RESTART"
        return "PASSIVE"

    def _run(self) -> None:
        while not self._stop.wait(self.policy.every_s):
            try:
                self.tick()
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
