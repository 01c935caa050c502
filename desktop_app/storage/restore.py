"""Restoring the book from its newest sound backup; the file it replaces is kept aside, never deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.domain.records import BookCorruptError, BookError, BookLockedError
from desktop_app.storage import integrity
from desktop_app.storage.anchor import ANCHOR_SUFFIX, adopt_backup_anchor
from desktop_app.storage.backup import copy_database, list_backups

STAMP = re.compile(r"-(\d{8}T\d{6})\d*Z-")
SHM_DMS_BYTE = 128  # SQLite's unix VFS: every connection holds a shared lock here while the book is open


def backup_time(copy: Path) -> datetime:
    """When a backup was taken: from its name (always UTC), else from the file's modification time."""
    found = STAMP.search(copy.name)
    if found:
        return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return datetime.fromtimestamp(copy.stat().st_mtime, UTC)


def describe(copy: Path) -> str:
    return f"{backup_time(copy):%Y-%m-%d %H:%M} UTC"


def newest_good_backup(source: Path, backup_dir: Path | None) -> Path | None:
    """The newest backup of this book that passes quick_check (older ones are tried only if needed)."""
    if backup_dir is None:
        return None
    for copy in reversed(list_backups(source, backup_dir)):
        if integrity.is_sound(copy):
            return copy
    return None


def _first_line(detail: str) -> str:
    lines = [line for line in detail.splitlines() if line.strip() and not line.startswith("***")]
    text = lines[0] if lines else detail
    return text if len(text) <= 160 else text[:157] + "..."


def damaged_message(path: Path, backup_dir: Path | None, detail: str) -> str:
    """What the owner reads for a damaged book: what is wrong and how to restore the newest good copy."""
    head = f"The consent book {path} is damaged and cannot be used as it is ({_first_line(detail)})."
    good = newest_good_backup(path, backup_dir)
    if good is None:
        where = f" in {backup_dir}" if backup_dir else ""
        return f"{head} No good backup was found{where}. Nothing was deleted; keep the file and ask for help."
    return (
        f"{head} The newest good backup is from {describe(good)} ({good}). Restore it with "
        "`consent-desk restore` (the damaged file is kept beside it as *.damaged-<time>), or choose "
        '"Restore from backup" when the app starts.'
    )


def in_use(book: Path) -> bool:
    """Whether another process has the book open (it holds a lock on the -shm file). POSIX only."""
    shm = Path(f"{book}-shm")
    if not shm.exists():
        return False
    try:
        import fcntl
    except ImportError:  # Windows: SQLite locks differently; the rename below fails there instead
        return False
    try:
        with shm.open("r+b") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
    except OSError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class Restored:
    source: Path
    damaged_copy: Path | None  # where the replaced file now lives (never deleted)


def restore(book: Path, backup_dir: Path | None, chosen: Path | None, now: datetime) -> Restored:
    """Put a good backup in the book's place; the replaced file is renamed *.damaged-<time>, not deleted."""
    if in_use(book):
        raise BookLockedError(
            f"The consent book {book} is open in another Consent Desk (the app or `consent-desk serve`). "
            "Close it, then restore again; nothing was changed."
        )
    source = chosen if chosen is not None else newest_good_backup(book, backup_dir)
    if source is None:
        raise BookError(f"No good backup of {book.name} was found in {backup_dir}; nothing was changed.")
    if not source.is_file() or not integrity.is_sound(source):
        raise BookCorruptError(f"The backup {source} is missing or damaged itself; nothing was changed.")
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = book.with_name(f"{book.name}.damaged-{stamp}") if book.exists() else None
    partial = book.with_name(f"{book.name}.restoring")
    copy_database(source, partial)
    if aside is not None:
        book.replace(aside)
        for suffix in ("-wal", "-shm", ANCHOR_SUFFIX):  # the last writes and their record stay with the file
            companion = Path(f"{book}{suffix}")
            if companion.exists():
                companion.replace(Path(f"{aside}{suffix}"))
    partial.replace(book)
    adopt_backup_anchor(source, book, now)
    return Restored(source, aside)
