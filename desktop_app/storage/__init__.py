"""The consent book: SQLite via SQLAlchemy 2 and Alembic, an append-only hash-chained ledger."""
