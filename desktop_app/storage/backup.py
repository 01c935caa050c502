"""Rotating copies of the book through SQLite's online backup API (safe while the app is writing)."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.storage.anchor import ANCHOR_SUFFIX

BACKUP_SUFFIX = ".sqlite3"


def backup_name(source: Path, moment: datetime, reason: str) -> str:
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{source.stem}-{stamp}-{reason}{BACKUP_SUFFIX}"


def list_backups(source: Path, backup_dir: Path) -> list[Path]:
    """This book's backups, oldest first (names sort by time)."""
    if not backup_dir.is_dir():
        return []
    return sorted(backup_dir.glob(f"{source.stem}-*{BACKUP_SUFFIX}"))


def copy_database(source: Path, target: Path) -> None:
    """Copy a book page by page with SQLite's online backup API (consistent even while it is written)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def take_backup(source: Path, backup_dir: Path, *, reason: str, keep: int, now: datetime) -> Path:
    """Copy `source` page by page with the online backup API, then keep only the newest `keep` copies."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / backup_name(source, now, reason)
    partial = target.with_suffix(".partial")
    copy_database(source, partial)
    partial.replace(target)  # a half-written copy is never mistaken for a backup
    existing = list_backups(source, backup_dir)
    for old in existing[: max(0, len(existing) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()
        with contextlib.suppress(OSError):
            Path(f"{old}{ANCHOR_SUFFIX}").unlink(missing_ok=True)  # its anchor sidecar goes with it
    return target

