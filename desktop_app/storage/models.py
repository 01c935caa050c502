"""ORM tables of the consent book (the schema at the newest Alembic revision)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from desktop_app.domain.consent import iso_utc, parse_iso

# Named constraints from the first revision, so Alembic batch mode can find them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcText(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as fixed-width UTC ISO text: sortable and hash-stable."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        return None if value is None else iso_utc(value)

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        return parse_iso(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Category(Base):
    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcText)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcText)
    last_message_id: Mapped[int | None] = mapped_column(Integer)
    last_text: Mapped[str | None] = mapped_column(Text)
    last_at: Mapped[datetime | None] = mapped_column(UtcText)
    last_direction: Mapped[str | None] = mapped_column(String(16))
    unread_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    pending_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    opted_out: Mapped[bool] = mapped_column(default=False, server_default=text("0"))

    __table_args__ = (Index("ix_contacts_last_at", "last_at"),)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    direction: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcText)
    recorded_at: Mapped[datetime] = mapped_column(UtcText)
    status: Mapped[str | None] = mapped_column(String(32))
    status_at: Mapped[datetime | None] = mapped_column(UtcText)
    error_code: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(64))
    button_payload: Mapped[str | None] = mapped_column(Text)
    context_message_id: Mapped[str | None] = mapped_column(String(255))
    business_number: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(UtcText)  # revision 0002

    __table_args__ = (
        UniqueConstraint("provider", "provider_message_id"),
        Index("ix_messages_contact_time", "contact_id", "occurred_at"),
    )


class MessageStatus(Base):
    __tablename__ = "message_statuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcText)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("provider", "provider_message_id", "status"),)


class Detection(Base):
    __tablename__ = "detections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float]
    auto: Mapped[bool]
    language: Mapped[str | None] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(255))
    explanation: Mapped[str] = mapped_column(Text, default="")
    spans: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of [start, end]
    source: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcText)
    decided_at: Mapped[datetime | None] = mapped_column(UtcText)
    decided_by: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_detections_status_id", "status", "id"),)


class ConsentEvent(Base):
    """The append-only ledger; triggers refuse UPDATE and DELETE, each row chains the previous hash."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    contact_key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UtcText)
    recorded_at: Mapped[datetime] = mapped_column(UtcText)
    source: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(255))
    evidence_message_id: Mapped[str | None] = mapped_column(String(255))
    evidence_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))  # revision 0004: HMAC of `hash` with the book key

    __table_args__ = (
        Index(  # revision 0002 made it covering for rebuild
            "ix_consent_events_contact",
            "contact_key",
            "category",
            "occurred_at",
            "id",
            "action",
            "source",
            "recorded_at",
        ),
        Index("ix_consent_events_recorded_at", "recorded_at"),  # revision 0002
    )


class BookIdentity(Base):
    """Revision 0004: the one row naming this book (its keychain entry) and the first signed ledger row."""

    __tablename__ = "book_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int | None] = mapped_column(Integer)
    anchored_at: Mapped[datetime | None] = mapped_column(UtcText)


class ConsentStateRow(Base):
    """Cached current state per (contact, category); `rebuild` regenerates it from the ledger alone."""

    __tablename__ = "consent_state"

    contact_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UtcText)
    source: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcText)

    __table_args__ = (
        Index("ix_consent_state_state_changed", "state", "changed_at"),  # revision 0002
        Index("ix_consent_state_changed_at", "changed_at"),  # revision 0002
        {"sqlite_with_rowid": False},
    )


class EventConfirmation(Base):
    """The confirmation sent for a ledger event (kept apart so the ledger row is never updated)."""

    __tablename__ = "event_confirmations"

    event_id: Mapped[int] = mapped_column(ForeignKey("consent_events.id"), primary_key=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcText)
    status: Mapped[str | None] = mapped_column(String(32))
    status_at: Mapped[datetime | None] = mapped_column(UtcText)


class JourneySend(Base):
    """One chat-journey message to a customer (revision 0005): unique per (contact, kind, trigger)."""

    __tablename__ = "journey_sends"
    __table_args__ = (
        UniqueConstraint("contact_key", "kind", "trigger", name="uq_journey_sends_contact_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)  # the message as sent (JSON)
    created_at: Mapped[datetime] = mapped_column(UtcText)
    status: Mapped[str] = mapped_column(String(32))
    status_at: Mapped[datetime | None] = mapped_column(UtcText)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcText)
    error: Mapped[str | None] = mapped_column(Text)


class PreferenceLink(Base):
    """The preferences page's per-contact link generation (revision 0005): bumping it revokes links."""

    __tablename__ = "preference_links"

    contact_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcText)
    updated_at: Mapped[datetime] = mapped_column(UtcText)


class Cursor(Base):
    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcText)


class UnparsedPayloadRow(Base):
    __tablename__ = "unparsed_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcText)
