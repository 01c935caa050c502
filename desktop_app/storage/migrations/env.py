"""Alembic environment: runs on the connection the book hands over; the app owns logging."""

from __future__ import annotations

from alembic import context

from desktop_app.storage.models import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("consent book migrations run only through desktop_app.storage.migrate")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        transactional_ddl=True,  # SQLite DDL is transactional: an upgrade applies completely or not at all
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic installs `context.config` before it executes this file; a plain import (the self-test
# imports every module) finds no config and does nothing.
if hasattr(context, "config"):
    run_migrations()
