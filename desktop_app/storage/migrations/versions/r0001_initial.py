"""Initial consent book: contacts, messages, detections, the append-only hash-chained ledger."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.String(32)  # fixed-width UTC ISO text (storage.models.UtcText)


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_categories"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_message_id", sa.Integer()),
        sa.Column("last_text", sa.Text()),
        sa.Column("last_at", TS),
        sa.Column("last_direction", sa.String(16)),
        sa.Column("unread_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("pending_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.UniqueConstraint("key", name="uq_contacts_key"),
    )
    op.create_index("ix_contacts_last_at", "contacts", ["last_at"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(255)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("status", sa.String(32)),
        sa.Column("status_at", TS),
        sa.Column("error_code", sa.Integer()),
        sa.Column("category", sa.String(64)),
        sa.Column("button_payload", sa.Text()),
        sa.Column("context_message_id", sa.String(255)),
        sa.Column("business_number", sa.String(64)),
        sa.Column("raw", sa.Text()),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_messages_contact_id_contacts"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("provider", "provider_message_id", name="uq_messages_provider"),
    )
    op.create_index("ix_messages_contact_time", "messages", ["contact_id", "occurred_at"])
    op.create_table(
        "message_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_message_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("error_code", sa.Integer()),
        sa.Column("error_title", sa.Text()),
        sa.Column("raw", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_message_statuses"),
        sa.UniqueConstraint("provider", "provider_message_id", "status", name="uq_message_statuses_provider"),
    )
    op.create_table(
        "detections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(64)),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("rule", sa.String(255), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("spans", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("event_id", sa.Integer()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS),
        sa.Column("decided_by", sa.String(255)),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_detections_message_id_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_detections"),
    )
    op.create_index("ix_detections_message_id", "detections", ["message_id"])
    op.create_index("ix_detections_status_id", "detections", ["status", "id"])
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("contact_key", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("evidence_message_id", sa.String(255)),
        sa.Column("evidence_text", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("dedupe_key", sa.String(255)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_consent_events_dedupe_key"),
    )
    op.create_index(
        "ix_consent_events_contact", "consent_events", ["contact_key", "category", "occurred_at", "id"]
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER consent_events_no_{verb.lower()} BEFORE {verb} ON consent_events "
            f"BEGIN SELECT RAISE(ABORT, 'consent_events is append-only: {verb} refused'); END"
        )
    op.create_table(
        "consent_state",
        sa.Column("contact_key", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("contact_key", "category", name="pk_consent_state"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "event_confirmations",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("provider_message_id", sa.String(255)),
        sa.Column("sent_at", TS),
        sa.Column("status", sa.String(32)),
        sa.Column("status_at", TS),
        sa.ForeignKeyConstraint(
            ["event_id"], ["consent_events.id"], name="fk_event_confirmations_event_id_consent_events"
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_event_confirmations"),
    )
    op.create_index(
        "ix_event_confirmations_provider_message_id", "event_confirmations", ["provider_message_id"]
    )
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_cursors"),
    )
    op.create_table(
        "unparsed_payloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unparsed_payloads"),
    )


def downgrade() -> None:
    raise NotImplementedError("the consent book is never downgraded; restore a backup instead")
