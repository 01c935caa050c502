"""Read models the consent book hands to services and the UI (plain frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from desktop_app.domain.journeys import OutgoingMessage
from desktop_app.domain.model import EventSource, VerdictKind


@dataclass(frozen=True, slots=True)
class ContactRecord:
    key: str
    kind: str  # "phone" | "user_id"
    name: str | None
    created_at: datetime
    last_message_at: datetime | None
    unread_count: int
    pending_count: int
    opted_out: bool  # opted out of at least one category


@dataclass(frozen=True, slots=True)
class DetectionRecord:
    id: int
    message_id: int
    contact_key: str
    contact_name: str | None
    message_text: str | None
    message_at: datetime
    kind: VerdictKind
    scope: str | None
    confidence: float
    auto: bool
    rule: str
    language: str | None
    explanation: str
    spans: tuple[tuple[int, int], ...]
    source: EventSource | None
    status: str  # pending | auto_applied | confirmed | dismissed | reversed
    created_at: datetime
    event_id: int | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    contact_key: str
    direction: str  # inbound | outbound
    kind: str
    text: str | None
    occurred_at: datetime
    provider: str
    provider_message_id: str
    status: str | None
    category: str | None = None
    error_code: int | None = None
    erased: bool = False
    detection: DetectionRecord | None = None
    journey: OutgoingMessage | None = None  # a journey message's buttons or list, as the customer saw it


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    contact_key: str
    name: str | None
    last_text: str | None
    last_at: datetime | None
    last_direction: str | None
    unread_count: int
    pending_count: int
    opted_out: bool


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """One line of the consent table: a contact's state in one category."""

    contact_key: str
    name: str | None
    category: str
    state: str
    since: datetime | None
    source: str | None
    event_id: int | None
    changed_at: datetime | None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None
    head_hash: str | None = None  # write it down somewhere else: it pins the whole history
    problems: tuple[str, ...] = ()  # every finding that something was changed or lost, in plain words
    cannot_prove: tuple[str, ...] = ()  # what this check could not establish (e.g. no signing key here)
    notes: tuple[str, ...] = ()  # what was proven beyond the chain (signatures, anchor, state)
    missing_rows: int = 0  # ledger rows the anchor knew of that the book no longer has
    missing_messages: int = 0  # messages the anchor knew of that the book no longer has
    state_differences: int = 0  # (contact, category) pairs whose cached state disagrees with the ledger

    @property
    def authenticated(self) -> bool:
        """Nothing wrong and nothing left unproven: the history is intact and signed by this book's key."""
        return self.ok and not self.cannot_prove


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    skipped_duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    encoding: str | None = None  # as detected, e.g. "utf-8-sig", "cp1252"
    delimiter: str | None = None  # as detected: , ; tab or |


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """The start of an opt-out file as the importer reads it, before anything is imported."""

    encoding: str | None  # as detected, e.g. "utf-8", "cp1252"; None when the file is empty
    delimiter: str | None  # , ; tab or |
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, values) of the first rows
    problem: str | None = None  # why the file cannot be imported at all (no phone column, empty)


@dataclass(frozen=True, slots=True)
class ContactConsentRow:
    """One line of the consent table: a contact and their state in every category."""

    contact_key: str
    name: str | None
    states: dict[str, str]  # category -> opted_out | opted_in; a category missing here has no choice
    since: datetime | None  # when their latest recorded choice was made
    source: str | None  # how that latest choice was made
    position: tuple[str, str, str] = ("", "", "")  # opaque: where the next page of the table starts


class ImportCancelledError(Exception):
    """The owner cancelled an import: its transaction is rolled back, nothing from the file is kept."""


@dataclass(frozen=True, slots=True)
class WeekStats:
    week_start: datetime  # Monday 00:00 UTC
    opt_outs: int
    opt_ins: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    confirmations_sent: int
    confirmations_delivered: int

    @property
    def confirmation_delivery_rate(self) -> float | None:
        if not self.confirmations_sent:
            return None
        return self.confirmations_delivered / self.confirmations_sent


class BookError(RuntimeError):
    """The consent book could not do what was asked; the message says why in plain words."""


class BookLockedError(BookError):
    """Another program (or a stuck process) holds the write lock longer than we wait."""


class BookReadOnlyError(BookError):
    """The book's file or folder cannot be written."""


class BookFullError(BookError):
    """The disk (or the book's size limit) is full; nothing of this write was stored."""


class BookCorruptError(BookError):
    """The file is not a consent book, or SQLite reports it damaged."""


class BookTooNewError(BookError):
    """The book was written by a newer version of the app; refusing to touch it."""
