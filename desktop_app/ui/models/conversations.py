"""The conversation list: lazily paged summaries, newest first, with review/opt-out markers."""

from __future__ import annotations

from typing import Any

from desktop_app.services.inbox import ConversationFilter, ConversationItem, InboxService
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel


class ConversationListModel(PagedListModel[ConversationItem]):
    """Conversations matching a filter and a search text; only fetched pages are held."""

    def __init__(self, inbox: InboxService, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        self._inbox = inbox
        self._filter = ConversationFilter.ALL
        self._search = ""
        super().__init__(self._load, page_size, parent)

    def _load(self, after: object | None, limit: int) -> Any:
        return self._inbox.conversations(self._filter, self._search, after=after, limit=limit)

    @property
    def filter(self) -> ConversationFilter:
        return self._filter

    def set_query(self, conversation_filter: ConversationFilter, search: str) -> None:
        self._filter, self._search = conversation_filter, search.strip()
        self.reload()

    def refresh(self) -> None:
        """Reload after new messages, keeping as many rows as the view already showed."""
        self.reload(keep_rows=self.rowCount())

    def row_for_contact(self, contact_key: str) -> int:
        return self.row_of(lambda item: item.contact_key == contact_key)

    def describe(self, item: ConversationItem) -> str:
        parts = [item.title]
        if item.pending_reviews:
            parts.append(f"opt-out request waiting for review: {item.preview}")
        elif item.opted_out:
            parts.append("opted out")
        if not item.pending_reviews:
            parts.append(item.preview)
        if item.unread:
            parts.append(f"{item.unread} unread")
        return ", ".join(p for p in parts if p)

    def tooltip(self, item: ConversationItem) -> str | None:
        return f"{item.title} · {item.display_number}"
