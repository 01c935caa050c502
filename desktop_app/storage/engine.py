"""SQLAlchemy engines for the book: busy_timeout then WAL, synchronous FULL, explicit BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from desktop_app.storage.checkpoint import WAL_SIZE_LIMIT_BYTES, WRITER_BACKSTOP_PAGES

BUSY_TIMEOUT_MS = 10_000


PAGE_CACHE_KIB = 65536
MMAP_BYTES = 2_000_000_000  # address space, not memory: the OS page cache backs it


def tune_reads(cursor: sqlite3.Cursor | sqlite3.Connection) -> None:
    """Keep hot B-tree pages in memory: a 64 MiB page cache, memory-mapped reads, in-memory sorts."""
    cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.execute("PRAGMA temp_store=MEMORY")


def configure_connection(
    dbapi_connection: sqlite3.Connection,
    *,
    foreign_keys: bool = True,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    auto_checkpoint: bool = True,
) -> None:
    """Per-connection settings, in the order that avoids BUSY on the WAL switch itself."""
    # Let us (not pysqlite) emit BEGIN, so writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch the consent book to WAL (got {mode!r})")
        cursor.execute("PRAGMA synchronous=FULL")
        tune_reads(cursor)
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")  # a rewound WAL shrinks back
        if not auto_checkpoint:  # storage.checkpoint copies the WAL; the writer only if it fell far behind
            cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_BACKSTOP_PAGES}")
    finally:
        cursor.close()


def make_engine(
    path: Path,
    *,
    immediate: bool,
    foreign_keys: bool = True,
    pool: str | None = None,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    auto_checkpoint: bool = True,
) -> Engine:
    """An engine whose transactions start with BEGIN IMMEDIATE (writers) or a plain BEGIN (readers)."""
    kwargs: dict[str, Any] = {}
    if immediate:
        from desktop_app.storage.integrity import GuardedConnection

        kwargs["connect_args"] = {"factory": GuardedConnection}
    if pool == "null":
        from sqlalchemy.pool import NullPool

        kwargs["poolclass"] = NullPool
    engine = create_engine(f"sqlite:///{path}", **kwargs)
    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        configure_connection(
            dbapi_connection,
            foreign_keys=foreign_keys,
            busy_timeout_ms=busy_timeout_ms,
            auto_checkpoint=auto_checkpoint,
        )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine
