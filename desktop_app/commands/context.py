"""What every subcommand handler receives: resolved paths, settings, and a way to open the book."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings

if TYPE_CHECKING:
    from desktop_app.storage.book import ConsentBook

Handler = Callable[[argparse.Namespace, "CommandContext"], int]


@dataclass
class CommandContext:
    paths: AppPaths
    settings: Settings
    _books: list[ConsentBook] = field(default_factory=list)

    def open_book(self, *, demo: bool = False) -> ConsentBook:
        from desktop_app.services.book_key import KeychainBookKeys
        from desktop_app.storage.book import ConsentBook

        self.paths.ensure()
        path = self.paths.demo_book_path if demo else self.paths.book_path
        path.parent.mkdir(parents=True, exist_ok=True)
        book = ConsentBook.open(
            path,
            default_region=self.settings.default_region,
            backup_dir=self.paths.backup_dir if not demo else path.parent / "backups",
            keep_backups=self.settings.keep_backups,
            keys=KeychainBookKeys(),
        )
        self._books.append(book)
        return book

    def close(self) -> None:
        while self._books:
            self._books.pop().close()
