"""Data-subject erasure marker; indexes for weekly stats, consent-table filters and a fast rebuild."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("erased_at", sa.String(32)))
    op.create_index("ix_consent_events_recorded_at", "consent_events", ["recorded_at"])
    # Covering: rebuild and history read the ledger through this index without touching the table.
    op.drop_index("ix_consent_events_contact", "consent_events")
    op.create_index(
        "ix_consent_events_contact",
        "consent_events",
        ["contact_key", "category", "occurred_at", "id", "action", "source", "recorded_at"],
    )
    op.create_index("ix_consent_state_state_changed", "consent_state", ["state", "changed_at"])
    op.create_index("ix_consent_state_changed_at", "consent_state", ["changed_at"])


def downgrade() -> None:
    raise NotImplementedError("the consent book is never downgraded; restore a backup instead")
