"""Where data, config, logs and backups live (platformdirs), overridable for tests and power users."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop_app import APP_ID

DATA_DIR_ENV = "CONSENT_DESK_DATA_DIR"


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
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
