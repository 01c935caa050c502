"""Where data, config, logs and backups live (platformdirs), overridable for tests and power users."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_app import APP_ID

DATA_DIR_ENV = "CONSENT_DESK_DATA_DIR"
_PROBE_NAME = ".consent-desk-write-check"

_REASONS: dict[int, str] = {
    errno.EROFS: "the disk it is on is read-only",
    errno.EACCES: "you do not have permission to write there",
    errno.EPERM: "the system does not allow writing there",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EEXIST: "a file with that name is in the way",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
}


def plain_os_reason(exc: OSError) -> str:
    """What an OSError means in words a shop owner understands (no errno, no temp-file names)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or str(exc)).rstrip(".").lower()


class DataFolderError(Exception):
    """The app cannot write to one of its folders: says which one, why, and what to do."""

    def __init__(self, folder: Path, cause: OSError) -> None:
        self.folder = folder
        self.reason = plain_os_reason(cause)
        super().__init__(
            f"Consent Desk cannot write to its data folder {folder}: {self.reason}. "
            "Nothing was changed. Make the folder writable, or start Consent Desk with "
            "--data-dir pointing to a folder you can write to."
        )


@dataclass(frozen=True, slots=True)
class AppPaths:
    """All the folders the app writes to. With an override, everything lives under one folder."""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> AppPaths:
        override = data_dir or os.environ.get(DATA_DIR_ENV)
        if override:
            root = Path(override).expanduser().resolve()
            return cls(data_dir=root, config_dir=root / "config", log_dir=root / "logs")
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
        )

    @property
    def book_path(self) -> Path:
        return self.data_dir / "consent-book.sqlite3"

    @property
    def demo_book_path(self) -> Path:
        """The demo never touches the real book."""
        return self.data_dir / "demo" / "demo-book.sqlite3"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    def ensure(self) -> None:
        """Create the folders and prove each one takes a file; raises DataFolderError if not."""
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                # An existing folder on a read-only disk passes mkdir; only a write tells.
                probe = folder / _PROBE_NAME
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as exc:
                raise DataFolderError(folder, exc) from exc
