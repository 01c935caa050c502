"""The consent book table: one row per contact and category, loaded page by page as the view scrolls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from desktop_app.domain.records import ConsentRow
from desktop_app.services.consent_book import ConsentBookService, ConsentFilter
from desktop_app.services.paging import Page
from desktop_app.services.wording import display_number
from desktop_app.ui.explain import category_name, source_words, state_words
from desktop_app.ui.icons import icon
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel, PageLoader
from desktop_app.ui.timefmt import full_time

STATE_COLUMN = 3
STATE_ICONS = {"opted_out": "opted-out", "opted_in": "opted-in"}


class ConsentTableModel(PagedListModel[ConsentRow]):
    """Never holds more than the pages the view scrolled through; the total comes from a COUNT."""

    headers = ("Name", "Number", "Messages", "Choice", "Since", "How", "Last change")

    def __init__(
        self, consent_book: ConsentBookService, page_size: int = PAGE_SIZE, parent: Any = None
    ) -> None:
        self._consent_book = consent_book
        self._filter = ConsentFilter.ALL
        self._search = ""
        super().__init__(self._loader_for(self._filter, self._search), page_size, parent)

    def _loader_for(self, consent_filter: ConsentFilter, search: str) -> PageLoader:
        service = self._consent_book

        def load(after: object | None, limit: int) -> Page[ConsentRow]:
            return service.consent_page(consent_filter, search, after=after, limit=limit)

        return load

    @property
    def query(self) -> tuple[ConsentFilter, str]:
        return self._filter, self._search

    def set_filter(self, consent_filter: ConsentFilter, search: str) -> None:
        """Change the query without reading (the view reloads, off the UI thread)."""
        self._filter, self._search = consent_filter, search.strip()
        self._loader = self._loader_for(self._filter, self._search)

    def set_query(self, consent_filter: ConsentFilter, search: str) -> None:
        self.set_filter(consent_filter, search)
        self.reload()

    def total(self) -> int:
        """A COUNT over the whole filtered table (a read: off the UI thread in the views)."""
        return self.total_query()()

    def total_query(self) -> Callable[[], int]:
        service, consent_filter, search = self._consent_book, self._filter, self._search
        return lambda: service.count_consent(consent_filter, search)

    def cell(self, item: ConsentRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = state_words(item.state) if column == STATE_COLUMN else self._text(item, column)
            return f"{self.headers[column]}: {text}"
        if role == Qt.ItemDataRole.ToolTipRole and column == STATE_COLUMN:
            return state_words(item.state)
        if role == Qt.ItemDataRole.DecorationRole and column == STATE_COLUMN and item.state in STATE_ICONS:
            return icon(STATE_ICONS[item.state])
        return None

    def _text(self, item: ConsentRow, column: int) -> str:
        if column == 0:
            return item.name or ""
        if column == 1:
            return display_number(item.contact_key)
        if column == 2:
            return category_name(item.category)
        if column == STATE_COLUMN:
            return state_words(item.state)
        if column == 4:
            return full_time(item.since) if item.since else ""
        if column == 5:
            return source_words(item.source) if item.source else ""
        return full_time(item.changed_at) if item.changed_at else ""
