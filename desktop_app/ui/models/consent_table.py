"""The consent book table: one row per contact and category, loaded page by page as the view scrolls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_app.domain.records import ConsentRow
from desktop_app.services.inbox import ConsentFilter, InboxService, display_number
from desktop_app.ui.explain import category_name, source_words, state_words
from desktop_app.ui.icons import icon
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel
from desktop_app.ui.timefmt import full_time

STATE_COLUMN = 3
STATE_ICONS = {"opted_out": "opted-out", "opted_in": "opted-in"}


class ConsentTableModel(PagedListModel[ConsentRow]):
    """Never holds more than the pages the view scrolled through; the total comes from a COUNT."""

    headers = ("Name", "Number", "Messages", "Choice", "Since", "How", "Last change")

    def __init__(self, inbox: InboxService, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        self._inbox = inbox
        self._filter = ConsentFilter.ALL
        self._search = ""
        super().__init__(self._load, page_size, parent)

    def _load(self, after: object | None, limit: int) -> Any:
        return self._inbox.consent_page(self._filter, self._search, after=after, limit=limit)

    @property
    def query(self) -> tuple[ConsentFilter, str]:
        return self._filter, self._search

    def set_query(self, consent_filter: ConsentFilter, search: str) -> None:
        self._filter, self._search = consent_filter, search.strip()
        self.reload()

    def total(self) -> int:
        return self._inbox.count_consent(self._filter, self._search)

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
