"""Start-up integrity check of the book: derived structures are rebuilt, damage to the records is reported."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.storage.ledger import rebuild_state

log = logging.getLogger(__name__)

SQLITE_CORRUPT = 11
SEARCH = "messages_fts"
SEARCH_TRIGGERS = ("messages_fts_insert", "messages_fts_delete", "messages_fts_update")
STATE = "consent_state"
READ_CHUNK = 5000


def is_corruption(exc: BaseException) -> bool:
    """Whether SQLite said "damaged" (SQLITE_CORRUPT or one of its extended codes)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_CORRUPT
    return isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc).lower()


def quick_check(raw: sqlite3.Connection, table: str | None = None) -> list[str]:
    """SQLite's PRAGMA quick_check as a list of problems ([] = sound); a check that cannot run is one."""
    pragma = "PRAGMA quick_check" if table is None else f"PRAGMA quick_check('{table}')"
    try:
        rows = [str(row[0]) for row in raw.execute(pragma)]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def is_sound(path: Path) -> bool:
    """Whether `path` is an SQLite file that passes quick_check (read-only; for backups)."""
    try:
        raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return not quick_check(raw)
    finally:
        raw.close()


# -- at run time ---------------------------------------------------------------------------------------
def set_search_aside(raw: sqlite3.Connection) -> bool:
    """Stop keeping the search index (drop its triggers, inside the caller's transaction).

    The missing triggers are the durable mark "rebuild the index": the next open does it. Returns False
    when there was nothing to set aside, i.e. the damage is not the search index's.
    """
    run = sqlite3.Connection.execute  # never GuardedConnection's own retry: no recursion on real damage
    names = {row[0] for row in run(raw, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    present = [name for name in SEARCH_TRIGGERS if name in names]
    for name in present:
        run(raw, f'DROP TRIGGER "{name}"')
    return bool(present)


class GuardedConnection(sqlite3.Connection):
    """The writer's connection: a damaged search index is set aside rather than refuse a write.

    An FTS trigger that meets a damaged index fails the statement (SQLite rolls back that statement
    only); the triggers are dropped inside the same transaction and the statement runs again, so the
    message and its consent event are stored. A second failure is real damage and is raised.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            if not (self.in_transaction and is_corruption(exc) and set_search_aside(self)):
                raise
            log.error(
                "The message-search index is damaged (%s). Messages and opt-outs are still recorded; "
                "search is rebuilt when the consent book is next opened.",
                exc,
            )
            return super().execute(sql, parameters)


# -- at start ------------------------------------------------------------------------------------------
class RecordsDamagedError(Exception):
    """Tables that hold records (not derived ones) are damaged; `tables` names them."""

    def __init__(self, tables: list[str], detail: str) -> None:
        super().__init__(f"damaged: {', '.join(tables) or 'the file structure'} ({detail})")
        self.tables = tables
        self.detail = detail


@dataclass
class _Plan:
    done: list[str] = field(default_factory=list)
    vacuum: bool = False
    search_sql: str | None = None
    reset_search: bool = False
    state_sql: list[str] = field(default_factory=list)
    index_sql: list[str] = field(default_factory=list)


Objects = list[tuple[str, str, str, str | None]]


def _objects(raw: sqlite3.Connection) -> Objects:
    return [
        (str(kind), str(name), str(table), sql)
        for kind, name, table, sql in raw.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    ]


def _derived(name: str) -> bool:
    return name == STATE or name.startswith(f"{SEARCH}_")


def _unreadable(raw: sqlite3.Connection, table: str) -> bool:
    """Read every row (leaf and overflow pages) of a table's own B-tree."""
    try:
        cursor = raw.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        while cursor.fetchmany(READ_CHUNK):
            pass
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            return True
        raise
    return False


def _forget(raw: sqlite3.Connection, names: list[str]) -> None:
    """Remove schema entries whose B-trees cannot even be dropped; the VACUUM after it frees their pages."""
    version = int(raw.execute("PRAGMA schema_version").fetchone()[0])
    raw.execute("PRAGMA writable_schema=ON")
    try:
        marks = ", ".join("?" for _ in names)
        raw.execute(f"DELETE FROM sqlite_master WHERE name IN ({marks})", names)  # noqa: S608
        raw.execute(f"PRAGMA schema_version={version + 1}")
    finally:
        raw.execute("PRAGMA writable_schema=OFF")


def _drop(raw: sqlite3.Connection, kind: str, names: list[str], plan: _Plan) -> None:
    """DROP each object; one whose pages are too damaged to walk is forgotten instead (then VACUUM)."""
    stuck = []
    for name in names:
        try:
            raw.execute(f'DROP {kind} IF EXISTS "{name}"')
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise
            stuck.append(name)
    if stuck:
        _forget(raw, stuck)
        plan.vacuum = True


def _set_search_aside_for_rebuild(raw: sqlite3.Connection, objects: Objects, plan: _Plan) -> None:
    plan.search_sql = next(
        (sql for kind, name, _, sql in objects if kind == "table" and name == SEARCH), None
    )
    plan.reset_search = True
    _drop(raw, "TRIGGER", list(SEARCH_TRIGGERS), plan)
    shadows = [name for kind, name, _, _ in objects if kind == "table" and name.startswith(f"{SEARCH}_")]
    _drop(raw, "TABLE", shadows, plan)
    _forget(raw, [SEARCH])  # its shadow tables are gone: the virtual table can no longer be dropped


def _set_state_aside_for_rebuild(raw: sqlite3.Connection, objects: Objects, plan: _Plan) -> None:
    plan.state_sql = [sql for kind, _, table, sql in objects if table == STATE and sql and kind == "table"]
    plan.state_sql += [sql for kind, _, table, sql in objects if table == STATE and sql and kind == "index"]
    indexes = [name for kind, name, table, _ in objects if table == STATE and kind == "index"]
    try:
        raw.execute(f'DROP TABLE "{STATE}"')
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        _forget(raw, [STATE, *indexes])
        plan.vacuum = True


def _search_statements(table_sql: str | None) -> tuple[str, ...]:
    from desktop_app.storage.migrations.versions.r0003_message_search import STATEMENTS

    return ((table_sql,) if table_sql else STATEMENTS[:1]) + STATEMENTS[1:]


def _recreate(raw: sqlite3.Connection, plan: _Plan) -> None:
    for statement in plan.index_sql:
        raw.execute(statement)
    if plan.reset_search:
        for statement in _search_statements(plan.search_sql):
            raw.execute(statement)
        count = int(raw.execute("SELECT count(*) FROM messages WHERE text IS NOT NULL").fetchone()[0])
        plan.done.append(f"rebuilt the message-search index from {count} stored messages")
    if plan.state_sql:
        raw.execute("BEGIN IMMEDIATE")
        try:
            for statement in plan.state_sql:
                raw.execute(statement)
            rows = rebuild_state(raw)
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        plan.done.append(f"rebuilt the consent-state cache from the ledger ({rows} contact/category rows)")


def _index_unreadable(raw: sqlite3.Connection, index: str, table: str) -> bool:
    columns = ", ".join(f'"{row[2]}"' for row in raw.execute(f"PRAGMA index_info('{index}')") if row[2])
    if not columns:
        return False  # an index on expressions; VACUUM's rebuild still covers it
    walk = f'SELECT count(*) FROM (SELECT {columns} FROM "{table}" INDEXED BY "{index}" ORDER BY {columns})'  # noqa: S608
    try:
        raw.execute(walk).fetchone()
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            return True
        raise
    return False


def _rebuild_indexes(raw: sqlite3.Connection, objects: Objects, plan: _Plan) -> None:
    """REINDEX when the index pages can be walked; a damaged index is forgotten, then recreated."""
    indexes = [(name, table, sql) for kind, name, table, sql in objects if kind == "index"]
    damaged = [(name, sql) for name, table, sql in indexes if _index_unreadable(raw, name, table)]
    built_in = [name for name, sql in damaged if sql is None]  # UNIQUE/PRIMARY KEY: part of the table
    if built_in:
        raise RecordsDamagedError(built_in, "a uniqueness index of a table holding records")
    if not damaged:
        raw.execute("REINDEX")
        plan.done.append("rebuilt every index (REINDEX)")
        return
    _forget(raw, [name for name, _ in damaged])
    plan.vacuum = True
    plan.index_sql = [str(sql) for _, sql in damaged]
    plan.done.append(f"rebuilt the damaged indexes {', '.join(name for name, _ in damaged)}")


def _repair_damage(raw: sqlite3.Connection, problems: list[str]) -> list[str]:
    try:
        objects = _objects(raw)
    except sqlite3.DatabaseError as exc:
        raise RecordsDamagedError([], str(exc)) from exc
    tables = [
        name
        for kind, name, _, sql in objects
        if kind == "table" and not (sql or "").startswith("CREATE VIRTUAL")
    ]
    damaged = [name for name in tables if _unreadable(raw, name)]
    records = [name for name in damaged if not _derived(name)]
    if records:
        raise RecordsDamagedError(records, problems[0])
    plan = _Plan()
    if any(name.startswith(f"{SEARCH}_") for name in damaged):
        _set_search_aside_for_rebuild(raw, objects, plan)
    if STATE in damaged:
        _set_state_aside_for_rebuild(raw, objects, plan)
    if not plan.vacuum and quick_check(raw):
        _rebuild_indexes(raw, _objects(raw), plan)
    if plan.vacuum:
        raw.execute("VACUUM")
        plan.done.append("rewrote the file without its damaged pages (VACUUM, which rebuilds every index)")
    _recreate(raw, plan)
    remaining = quick_check(raw)
    if remaining:
        raise RecordsDamagedError([], remaining[0])
    return plan.done


def _search_set_aside(raw: sqlite3.Connection) -> bool:
    """Whether the search index exists but its triggers were dropped (a damaged index met at run time)."""
    names = {
        str(row[0])
        for row in raw.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    }
    return SEARCH in names and not all(name in names for name in SEARCH_TRIGGERS)


def _rebuild_set_aside_search(raw: sqlite3.Connection) -> list[str]:
    plan = _Plan()
    objects = _objects(raw)
    _set_search_aside_for_rebuild(raw, objects, plan)
    if plan.vacuum:
        raw.execute("VACUUM")
    _recreate(raw, plan)
    return plan.done


def check_and_repair(path: Path, busy_timeout_ms: int) -> list[str]:
    """quick_check the whole file (one sequential read); rebuild whatever derived structure is damaged.

    Returns the repairs made ([] for a sound book, the usual case). Raises RecordsDamagedError when the
    ledger, messages or other records are damaged: those only a backup can bring back. Raises
    sqlite3.Error for a file that cannot be read at all.
    """
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        problems = quick_check(raw)
        if problems:
            log.warning("The consent book %s failed its integrity check: %s", path, "; ".join(problems[:5]))
            done = _repair_damage(raw, problems)
        elif _search_set_aside(raw):
            done = _rebuild_set_aside_search(raw)
        else:
            return []
    finally:
        raw.close()
    for line in done:
        log.warning("Repaired the consent book %s: %s", path, line)
    return done
