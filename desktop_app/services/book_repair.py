"""Restoring a damaged consent book from its newest sound backup: for the app's start and `restore`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from desktop_app.domain.records import BookCorruptError, BookError
from desktop_app.services.paths import AppPaths
from desktop_app.storage import restore
from desktop_app.storage.restore import Restored

log = logging.getLogger(__name__)

T = TypeVar("T")
# (why the book cannot open, "2026-03-02 09:00 UTC" of the backup on offer or None) -> restore it?
Ask = Callable[[str, str | None], bool]
Tell = Callable[[str], None]


def newest_good_backup(paths: AppPaths) -> Path | None:
    return restore.newest_good_backup(paths.book_path, paths.backup_dir)


def describe(backup: Path) -> str:
    return restore.describe(backup)


def restore_book(
    paths: AppPaths, backup: Path | None = None, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Restored:
    """Put `backup` (default: the newest sound one) in the book's place; the old file is kept aside."""
    restored = restore.restore(paths.book_path, paths.backup_dir, backup, now())
    log.warning(
        "Restored the consent book %s from the backup %s; the file it replaced is kept as %s",
        paths.book_path,
        restored.source,
        restored.damaged_copy,
    )
    return restored


def open_or_offer_restore(open_book: Callable[[], T], paths: AppPaths, ask: Ask, tell: Tell) -> T | None:
    """Open; if the book is damaged, offer its newest sound backup (ask) and open again after restoring.

    Any other book problem, or a restore that cannot be done, is told in plain words; None means the
    app cannot start.
    """
    try:
        return open_book()
    except BookCorruptError as exc:
        good = newest_good_backup(paths)
        if not ask(str(exc), describe(good) if good else None) or good is None:
            return None
        try:
            restore_book(paths, good)
            return open_book()
        except BookError as again:
            tell(str(again))
            return None
    except BookError as exc:
        tell(str(exc))
        return None
