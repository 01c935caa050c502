"""Keyed ledger: a random book id, a per-row HMAC column; rows before the upgrade stay plain-hashed.

The signing key itself is never in the book: it lives in the OS keychain under the book id and is
created when the book is next opened with a keychain (storage.signing.prepare_key). `keyed_from` is the
first ledger row signed with it; rows before it keep only their plain SHA-256 chain, which still proves
their integrity but not who wrote them.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.String(32)


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy), so the append-only triggers on consent_events stay as they are.
    op.add_column("consent_events", sa.Column("mac", sa.String(64)))
    op.create_table(
        "book_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.String(64), nullable=False),
        sa.Column("keyed_from", sa.Integer()),
        sa.Column("anchored_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_book_identity"),
        sa.CheckConstraint("id = 1", name="ck_book_identity_single_row"),
    )
    op.execute(
        sa.text("INSERT INTO book_identity(id, book_id) VALUES (1, :book_id)").bindparams(
            book_id=secrets.token_hex(16)
        )
    )


def downgrade() -> None:
    raise NotImplementedError("the consent book is never downgraded; restore a backup instead")
