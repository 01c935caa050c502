"""Alembic migrations of the consent book, shipped inside the package (they run at start-up)."""
