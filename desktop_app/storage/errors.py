"""Turns SQLite's terse failures into BookError subclasses with a sentence the shop owner can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from desktop_app.domain.records import (
    BookCorruptError,
    BookError,
    BookFullError,
    BookLockedError,
    BookReadOnlyError,
)


def _dbapi_message(exc: BaseException) -> str | None:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig)
    if isinstance(exc, sqlite3.Error):
        return str(exc)
    return None


def translate(exc: BaseException, path: Path) -> BookError | None:
    """The BookError for a database failure, or None when it is not one we can explain."""
    message = _dbapi_message(exc)
    if message is None:
        return None
    lowered = message.lower()
    if "locked" in lowered or "busy" in lowered:
        return BookLockedError(
            f"The consent book {path} is locked by another program or process. Nothing was changed; "
            "close other copies of Consent Desk and try again."
        )
    if "readonly" in lowered or "read-only" in lowered:
        return BookReadOnlyError(
            f"The consent book {path} cannot be written (read-only file or folder). Nothing was "
            "changed; check the file's permissions."
        )
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return BookFullError(
            f"The disk holding the consent book {path} is full. This change was not stored; "
            "everything stored before is safe. Free some space and try again."
        )
    if "not a database" in lowered or "malformed" in lowered or "disk image" in lowered:
        return BookCorruptError(
            f"The consent book {path} is damaged or not a consent book ({message}). Restore the "
            "latest backup from the backups folder."
        )
    if "append-only" in lowered:
        return None  # a programming error, not an environment problem: let it surface as is
    if "unable to open" in lowered:
        return BookReadOnlyError(f"The consent book {path} cannot be opened ({message}).")
    return None
