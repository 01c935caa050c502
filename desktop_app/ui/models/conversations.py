"""The conversation list: lazily paged summaries, newest first, with review/opt-out markers."""

from __future__ import annotations

from typing import Any

from desktop_app.services.conversations import ConversationFilter, ConversationItem, ConversationService
from desktop_app.services.paging import Page
from desktop_app.ui.models.paged import PAGE_SIZE, PagedListModel, PageLoader


class ConversationListModel(PagedListModel[ConversationItem]):
    """Conversations matching a filter and a search text; only fetched pages are held."""

    def __init__(
        self, conversations: ConversationService, page_size: int = PAGE_SIZE, parent: Any = None
    ) -> None:
        self._conversations = conversations
        self._filter = ConversationFilter.ALL
        self._search = ""
        super().__init__(self._loader_for(self._filter, self._search), page_size, parent)

    def _loader_for(self, conversation_filter: ConversationFilter, search: str) -> PageLoader:
        service = self._conversations

        def load(after: object | None, limit: int) -> Page[ConversationItem]:
            return service.conversations(conversation_filter, search, after=after, limit=limit)

        return load

    @property
    def filter(self) -> ConversationFilter:
        return self._filter

    def set_filter(self, conversation_filter: ConversationFilter, search: str) -> None:
        """Change the query without reading (the view reloads, off the UI thread)."""
        self._filter, self._search = conversation_filter, search.strip()
        self._loader = self._loader_for(self._filter, self._search)

    def set_query(self, conversation_filter: ConversationFilter, search: str) -> None:
        self.set_filter(conversation_filter, search)
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
