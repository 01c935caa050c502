"""Reading conversations: the paged list, one open thread with its consent, and the reply gate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from desktop_app.domain.dashboard import DashboardExtras
from desktop_app.domain.model import CategoryState, ConsentEventRecord, Decision
from desktop_app.domain.records import DetectionRecord, MessageRecord
from desktop_app.services.applied import DashboardReader, PreferenceChangeReader, as_row
from desktop_app.services.paging import Page, offset_of, page_of
from desktop_app.services.wording import display_number, trigger_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop_app.services.ui_ports import UiBook

THREAD_LIMIT = 200  # newest messages shown when a conversation opens


class ConversationFilter(StrEnum):
    ALL = "all"
    NEEDS_REVIEW = "needs_review"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True, slots=True)
class ConversationItem:
    """One row of the conversation list."""

    contact_key: str
    name: str | None
    display_number: str
    last_text: str
    last_at: datetime | None
    last_direction: str | None = None
    unread: int = 0
    pending_reviews: int = 0
    pending_trigger: str | None = None  # the words that triggered the oldest pending request
    opted_out: bool = False

    @property
    def title(self) -> str:
        return self.name or self.display_number

    @property
    def preview(self) -> str:
        if self.pending_reviews and self.pending_trigger:
            return self.pending_trigger
        prefix = "You: " if self.last_direction == "outbound" else ""
        return prefix + (self.last_text or "")

    def read(self) -> ConversationItem:
        return replace(self, unread=0)


@dataclass(frozen=True, slots=True)
class ConversationView:
    """Everything the thread and contact panes show for one open conversation."""

    contact_key: str
    title: str
    display_number: str
    messages: list[MessageRecord]
    pending: list[DetectionRecord]
    states: list[CategoryState]
    history: list[ConsentEventRecord]
    was_unread: bool = False


class ConversationService:
    """Reads for the Inbox screen; the one write here (`mark_read`) is submitted to the book writer."""

    def __init__(self, book: UiBook, pending_snapshot: Callable[[], list[DetectionRecord]]) -> None:
        self._book = book
        self._pending_snapshot = pending_snapshot  # shared with the review queue: read once per change

    def categories(self) -> list[str]:
        return list(self._book.categories())

    def dashboard_extras(self, weeks: int) -> DashboardExtras | None:
        """Confirmation speed and top languages for the dashboard (None from a book without them)."""
        book = self._book
        return book.dashboard_extras(weeks) if isinstance(book, DashboardReader) else None

    def whatsapp_preference_changes(self, limit: int) -> list[DetectionRecord]:
        """What customers chose in WhatsApp's own menu, newest first, as rows of "Applied automatically"."""
        book = self._book
        if not isinstance(book, PreferenceChangeReader):
            return []
        return [as_row(event, name) for event, name in book.preference_changes(limit)]

    def conversations(
        self,
        conversation_filter: ConversationFilter,
        search: str = "",
        *,
        after: object | None = None,
        limit: int = 200,
    ) -> Page[ConversationItem]:
        offset = offset_of(after)
        rows = self._book.conversations(conversation_filter.value, search or None, offset=offset, limit=limit)
        triggers = self._triggers() if any(row.pending_count for row in rows) else {}
        items = [
            ConversationItem(
                contact_key=row.contact_key,
                name=row.name,
                display_number=display_number(row.contact_key),
                last_text=row.last_text or "",
                last_at=row.last_at,
                last_direction=row.last_direction,
                unread=row.unread_count,
                pending_reviews=row.pending_count,
                pending_trigger=triggers.get(row.contact_key),
                opted_out=row.opted_out,
            )
            for row in rows
        ]
        return page_of(items, offset, limit)

    def open_conversation(self, contact_key: str) -> ConversationView:
        """Read one conversation; it stays unread until `mark_read` runs on the writer."""
        contact = self._book.contact(contact_key)
        messages = self._book.thread(contact_key, limit=THREAD_LIMIT)
        pending = [
            m.detection for m in messages if m.detection is not None and m.detection.status == "pending"
        ]
        number = display_number(contact_key)
        return ConversationView(
            contact_key=contact_key,
            title=(contact.name if contact and contact.name else number),
            display_number=number,
            messages=messages,
            pending=pending,
            states=list(self._book.consent_state(contact_key).values()),
            history=self._book.history(contact_key),
            was_unread=bool(contact and contact.unread_count),
        )

    def mark_read(self, contact_key: str) -> None:
        """A write: run it on the book writer, never on the UI thread."""
        self._book.mark_read(contact_key)

    def describe_request(self, contact_key: str) -> tuple[str, str]:
        """Who asked and in which words, for a desktop notification about a new request."""
        contact = self._book.contact(contact_key)
        name = contact.name if contact and contact.name else display_number(contact_key)
        for message in reversed(self._book.thread(contact_key, limit=20)):
            if message.detection is not None:
                return name, trigger_text(message.detection)
        return name, "asked to stop receiving messages"

    def may_send(self, contact_key: str, category: str) -> Decision:
        return self._book.may_send(contact_key, category)

    def _triggers(self) -> dict[str, str]:
        """contact key -> the words of their oldest pending request."""
        triggers: dict[str, str] = {}
        for detection in self._pending_snapshot():
            triggers.setdefault(detection.contact_key, trigger_text(detection))
        return triggers
