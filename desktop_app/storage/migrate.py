"""Alembic at start-up: programmatic config, absolute script_location (works frozen), FKs off around it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from desktop_app.domain.records import BookCorruptError, BookTooNewError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
OLDEST_REVISION = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_known(revision: str | None, path: Path) -> None:
    """Refuse a book whose revision this app does not know: it was written by a newer version."""
    if revision is None:
        return
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise BookTooNewError(
            f"The consent book {path} was written by a newer version of Consent Desk (schema {revision}). "
            "Install the newer version; this one will not touch the file."
        )


def has_foreign_tables(connection: Connection) -> bool:
    names = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    ).scalars()
    return any(name != "alembic_version" for name in names)


def upgrade(engine: Engine, path: Path, target: str = "head") -> None:
    """Upgrade on a connection whose foreign keys are OFF (batch table copies must not cascade)."""
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), target)
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise BookCorruptError(
                f"The consent book {path} has broken references after the upgrade ({problems[:3]}); "
                "restore the backup taken before it."
            )
        connection.execute(text("SELECT 1"))
