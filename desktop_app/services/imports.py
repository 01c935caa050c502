"""Importing another tool's opt-out list from the window: a preview first, then one all-or-nothing write."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.domain.records import ImportPreview, ImportReport

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook

Progress = Callable[[int, int], None]  # (bytes read, file size)
Cancelled = Callable[[], bool]

PREVIEW_ROWS = 8
DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
ENCODING_WORDS = {
    "utf_8": "UTF-8",
    "utf_8_sig": "UTF-8",
    "utf_16": "UTF-16",
    "utf_32": "UTF-32",
    "cp1252": "Windows Western (cp1252)",
    "iso8859_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "Latin-9 (ISO-8859-15)",
    "cp1251": "Windows Cyrillic (cp1251)",
    "mac_roman": "Mac Roman",
}


def format_words(encoding: str | None, delimiter: str | None) -> str:
    """How the file was read, in words: "Read as Windows Western (cp1252), values separated by semicolons"."""
    if encoding is None:
        return "The file could not be read as a table."
    try:
        canonical = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        canonical = encoding
    name = ENCODING_WORDS.get(canonical, encoding)
    separated = DELIMITER_WORDS.get(delimiter or ",", repr(delimiter))
    return f"Read as {name} text, values separated by {separated}."


class ImportService:
    """`preview` is a read (any thread); `import_file` writes, so the window runs it on the book writer."""

    def __init__(self, book: UiBook) -> None:
        self._book = book

    def preview(self, path: Path, rows: int = PREVIEW_ROWS) -> ImportPreview:
        if not path.is_file():
            raise ValueError(f"There is no file at {path}.")
        return self._book.preview_import(path, rows)

    def import_file(self, path: Path, progress: Progress, cancelled: Cancelled) -> ImportReport:
        """One opt-out per good row, in one transaction; ImportCancelledError when cancelled (nothing kept).

        The rules are the `consent-desk import` command's (the book's importer): re-importing a file
        changes nothing, and a file that cannot be read to its end commits nothing from it.
        """
        if not path.is_file():
            raise ValueError(f"There is no file at {path}.")
        return self._book.import_opt_outs(path, progress=progress, cancelled=cancelled)
