"""The consent table as CSV, as filtered on screen: streamed by the book or written page by page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from desktop_app.domain.records import ConsentRow
from desktop_app.domain.spreadsheet import CONSENT_COLUMNS, csv_line, header_line
from desktop_app.services.consent_book import ConsentBookService, ConsentFilter

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook

EXPORT_PAGE = 1000

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
    ) -> tuple[int, bool]:
        """Write the consent table (as filtered on screen) to CSV -> (rows, cancelled).

        A cancelled or failed export leaves no file behind. The unfiltered book is streamed by the
        book's own exporter in one pass (with its anchor line); a filtered view is written page by page.
        """
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                if consent_filter is ConsentFilter.ALL and not search.strip():
                    written = int(self._book.export_consent(handle, "csv", progress, cancelled))
                else:
                    written = self._export_filtered(handle, consent_filter, search, progress, cancelled)
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
    ) -> int:
        total = self._consent_book.count_consent(consent_filter, search)
        handle.write(header_line([name for name, _text in CONSENT_COLUMNS]))
        text = [is_text for _name, is_text in CONSENT_COLUMNS]
        written = 0
        after: object | None = 0
        while after is not None and not cancelled():
            page = self._consent_book.consent_page(consent_filter, search, after=after, limit=EXPORT_PAGE)
            handle.write("".join(csv_line(_cells(row), text) for row in page.items))
            written += len(page.items)
            after = page.after
            report(written, total)
        return written


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
