"""Alembic at start-up: programmatic config, absolute script_location (works frozen), FKs off around it.

Alembic is imported only when a book actually needs checking or upgrading: an up-to-date book is
recognised by reading its `alembic_version` row directly, which keeps the app's start fast.
A `BookTemplate` (opt-in: `use_template`) runs Alembic once and is copied for each new book after it.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text

from desktop_app.domain.records import BookCorruptError, BookTooNewError
from desktop_app.storage.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
OLDEST_REVISION = "0001"
HEAD_REVISION = "0005"  # the newest file in migrations/versions; a test keeps the two in step


def stored_revision(path: Path) -> str | None:
    """The book's schema revision read without Alembic, or None when it cannot be read that way."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

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
    from alembic import command

    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), target)
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise BookCorruptError(
                f"The consent book {path} has broken references after the upgrade ({problems[:3]}); "
                "restore the backup taken before it."
            )
        connection.execute(text("SELECT 1"))


class BookTemplate:
    """An empty book migrated to head once, then copied for every new book instead of running Alembic.

    A copy holds exactly what a migrated new book holds (schema, triggers, the search index, the
    revision row), except its identity: each copy gets its own random book id, as revision 0004 gives
    a fresh book, so two books never share a keychain entry. The template is kept in rollback-journal
    mode, so it is one self-contained file; the copy switches to WAL when the book first connects.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "empty-book-template.sqlite3"
        self._lock = threading.Lock()
        self._ready = False

    def _build(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        engine = make_engine(self.path, immediate=True, foreign_keys=False, pool="null")
        try:
            upgrade(engine, self.path)
        finally:
            engine.dispose()
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=DELETE")  # folds the WAL in: one file to copy
        finally:
            connection.close()

    def copy_to(self, target: Path) -> None:
        """Make `target` a new, empty, migrated book (it must not be a book already)."""
        with self._lock:
            if not self._ready:
                self._build()
                self._ready = True
        partial = target.with_name(f"{target.name}.new")
        shutil.copyfile(self.path, partial)
        try:
            connection = sqlite3.connect(partial, isolation_level=None)
            try:
                connection.execute(
                    "UPDATE book_identity SET book_id = ? WHERE id = 1", (secrets.token_hex(16),)
                )
            finally:
                connection.close()
            partial.replace(target)  # a half-made book is never mistaken for one
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


_template: BookTemplate | None = None


def use_template(template: BookTemplate | None) -> BookTemplate | None:
    """Create new books by copying `template` (None: run Alembic for each, the default); returns the
    template used until now.

    The app creates one book per install, so only the tests (hundreds of new books) turn this on.
    """
    global _template
    previous, _template = _template, template
    return previous


def copy_template(target: Path) -> bool:
    """Make `target` from the template when one is in use; False when the caller must run Alembic."""
    template = _template
    if template is None:
        return False
    template.copy_to(target)
    return True
