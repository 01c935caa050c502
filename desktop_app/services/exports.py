"""The consent table as CSV or JSON, as filtered on screen: streamed by the book or written page by page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from desktop_app.domain.records import ConsentRow
from desktop_app.domain.spreadsheet import CONSENT_COLUMNS, csv_line, header_line
from desktop_app.services.consent_book import ConsentBookService, ConsentFilter

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook

EXPORT_PAGE = 1000
FORMATS = ("csv", "json")

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ExportService:
    """Both paths write the same columns, quoting and formula escaping (`domain.spreadsheet`)."""

    def __init__(self, book: UiBook, consent_book: ConsentBookService) -> None:
        self._book = book
        self._consent_book = consent_book

    def export_consent(
        self,
        path: Path,
        consent_filter: ConsentFilter,
        search: str,
        progress: Progress,
        cancelled: Cancelled,
        fmt: str = "csv",
    ) -> tuple[int, bool]:
        """Write the consent table (as filtered on screen) to CSV or JSON -> (rows, cancelled).

        One row (object) per contact and category, the columns of `consent-desk export consent`; the
        consent book holds no secrets, so neither format can carry one. A cancelled or failed export
        leaves no file behind. The unfiltered book is streamed by the book's own exporter in one pass
        (with its anchor); a filtered view is written page by page.
        """
        if fmt not in FORMATS:
            raise ValueError(f"Unknown export format {fmt!r}; use csv or json.")
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                if consent_filter is ConsentFilter.ALL and not search.strip():
                    written = int(self._book.export_consent(handle, fmt, progress, cancelled))
                else:
                    written = self._export_filtered(handle, consent_filter, search, progress, cancelled, fmt)
            if cancelled():
                tmp.unlink(missing_ok=True)
                return written, True
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return written, False

    def _export_filtered(
        self,
        handle: IO[str],
        consent_filter: ConsentFilter,
        search: str,
        report: Progress,
        cancelled: Cancelled,
        fmt: str,
    ) -> int:
        total = self._consent_book.count_consent(consent_filter, search)
        names = [name for name, _text in CONSENT_COLUMNS]
        text = [is_text for _name, is_text in CONSENT_COLUMNS]
        handle.write(header_line(names) if fmt == "csv" else "[")
        written = 0
        after: object | None = 0
        while after is not None and not cancelled():
            page = self._consent_book.consent_page(consent_filter, search, after=after, limit=EXPORT_PAGE)
            if fmt == "csv":
                handle.write("".join(csv_line(_cells(row), text) for row in page.items))
            elif page.items:  # as the book streams it: one compact object per line
                objects = ",\n".join(_json_object(names, row) for row in page.items)
                handle.write(("," if written else "") + "\n" + objects)
            written += len(page.items)
            after = page.after
            report(written, total)
        if fmt == "json":
            handle.write("\n]\n")
        return written


def _json_object(names: list[str], row: ConsentRow) -> str:
    return json.dumps(dict(zip(names, _cells(row), strict=True)), ensure_ascii=False, separators=(",", ":"))


def _cells(row: ConsentRow) -> list[object]:
    """A consent row in the book export's column order; times as the book stores them."""
    return [
        row.contact_key,
        row.name,
        row.category,
        row.state,
        row.since.isoformat(timespec="microseconds") if row.since else None,
        row.source,
        row.event_id,
        row.changed_at.isoformat(timespec="microseconds") if row.changed_at else None,
    ]
