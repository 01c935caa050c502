"""The consent book table: a row per contact, a column per category (✅ / ⛔ / —), paged on scroll."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt

from desktop_app.domain.records import ContactConsentRow
from desktop_app.services.consent_book import ConsentBookService, ConsentFilter, shown_state
from desktop_app.services.paging import Page
from desktop_app.services.wording import display_number
from desktop_app.ui.explain import category_name, source_words, state_words
from desktop_app.ui.icons import icon
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel, PageLoader
from desktop_app.ui.timefmt import full_time

# UX.md's ✅ / ⛔ / —, drawn with the app's own icons: a stock Linux font has no ✅ (it would be a box)
STATE_ICONS = {"opted_out": "opted-out", "opted_in": "opted-in"}
STATE_MARKS = {"opted_out": "Opted out", "opted_in": "Opted in"}
NO_CHOICE = "—"
FIRST_CATEGORY_COLUMN = 2


class ConsentTableModel(PagedListModel[ContactConsentRow]):
    """Never holds more than the pages the view scrolled through; the total comes from a COUNT."""

    def __init__(
        self,
        consent_book: ConsentBookService,
        page_size: int = PAGE_SIZE,
        parent: Any = None,
        *,
        categories: Sequence[str] | None = None,
    ) -> None:
        self._consent_book = consent_book
        self._filter = ConsentFilter.ALL
        self._search = ""
        self._categories = list(consent_book.categories() if categories is None else categories)
        self.headers = self._headers_for(self._categories)
        super().__init__(self._loader_for(self._filter, self._search), page_size, parent)

    @staticmethod
    def _headers_for(categories: Sequence[str]) -> tuple[str, ...]:
        return ("Name", "Number", *(category_name(c) for c in categories), "Since", "How")

    @property
    def categories(self) -> list[str]:
        return list(self._categories)

    def set_categories(self, categories: Sequence[str]) -> None:
        """A category was added in Settings: one more column (the rows are reloaded by the view)."""
        if list(categories) == self._categories:
            return
        self.beginResetModel()
        self._categories = list(categories)
        self.headers = self._headers_for(self._categories)
        self.endResetModel()

    def _loader_for(self, consent_filter: ConsentFilter, search: str) -> PageLoader:
        service = self._consent_book

        def load(after: object | None, limit: int) -> Page[ContactConsentRow]:
            return service.contact_page(consent_filter, search, after=after, limit=limit)

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
        """A COUNT of the contacts under the filter (a read: off the UI thread in the views)."""
        return self.total_query()()

    def total_query(self) -> Callable[[], int]:
        service, consent_filter, search = self._consent_book, self._filter, self._search
        return lambda: service.count_contacts(consent_filter, search)

    def category_of(self, column: int) -> str | None:
        index = column - FIRST_CATEGORY_COLUMN
        return self._categories[index] if 0 <= index < len(self._categories) else None

    def cell(self, item: ContactConsentRow, column: int, role: int) -> Any:
        category = self.category_of(column)
        if category is not None:
            return self._state_cell(item, category, column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.headers[column]}: {self._text(item, column)}"
        return None

    def _state_cell(self, item: ContactConsentRow, category: str, column: int, role: int) -> Any:
        shown = shown_state(item.states, category)
        if role == Qt.ItemDataRole.DisplayRole:
            return STATE_MARKS.get(shown.state, NO_CHOICE)
        if role == Qt.ItemDataRole.DecorationRole and shown.state in STATE_ICONS:
            return icon(STATE_ICONS[shown.state])
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            words = state_words(shown.state)
            if shown.via_all:
                words += " (of all messages)" if shown.state == "opted_out" else " (to all messages)"
            return f"{self.headers[column]}: {words}"
        return None

    def _text(self, item: ContactConsentRow, column: int) -> str:
        if column == 0:
            return item.name or ""
        if column == 1:
            return display_number(item.contact_key)
        if column == len(self.headers) - 2:
            return full_time(item.since) if item.since else ""
        return source_words(item.source) if item.source else ""
