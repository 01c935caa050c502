"""Chat journeys: the journey messages sent to customers, and the preference-page links per contact."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.String(32)  # fixed-width UTC ISO text (storage.models.UtcText)


def upgrade() -> None:
    # One row per journey message: (contact, kind, trigger) is unique, so a trigger is answered once.
    op.create_table(
        "journey_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(255), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),  # the message as sent (JSON)
        sa.Column("created_at", TS, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_at", TS),
        sa.Column("provider_message_id", sa.String(255)),
        sa.Column("sent_at", TS),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_journey_sends"),
        sa.UniqueConstraint("contact_key", "kind", "trigger", name="uq_journey_sends_contact_key"),
    )
    op.create_index("ix_journey_sends_provider_message_id", "journey_sends", ["provider_message_id"])
    # The preferences page: a link is valid while its generation is the contact's current one.
    op.create_table(
        "preference_links",
        sa.Column("contact_key", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("contact_key", name="pk_preference_links"),
    )


def downgrade() -> None:
    raise NotImplementedError("the consent book is never downgraded; restore a backup instead")
