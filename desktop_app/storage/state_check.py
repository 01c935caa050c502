"""Compares the cached consent state (what may_send reads) with the state the ledger alone implies."""

from __future__ import annotations

import sqlite3

from desktop_app.storage.ledger import REBUILD_SQL

SHOWN = 20  # differences listed one by one; the rest are counted
_COLUMNS = "contact_key, category, state, since, source, event_id, changed_at"
# The very SELECT that `rebuild` inserts, so "verify" and "rebuild" can never disagree on the truth.
_REBUILD_INSERT = REBUILD_SQL[1]
DERIVED_SQL = _REBUILD_INSERT[_REBUILD_INSERT.index("SELECT") :]
_DIFFERENT_KEYS = (  # built from constants only
    f"WITH derived({_COLUMNS}) AS ({DERIVED_SQL}) "  # noqa: S608
    f"SELECT contact_key, category FROM (SELECT {_COLUMNS} FROM consent_state "
    f"EXCEPT SELECT {_COLUMNS} FROM derived) "
    f"UNION SELECT contact_key, category FROM (SELECT {_COLUMNS} FROM derived "
    f"EXCEPT SELECT {_COLUMNS} FROM consent_state) ORDER BY 1, 2"
)
_CACHED_ONE = (
    "SELECT state, since, source, event_id FROM consent_state WHERE contact_key = ? AND category = ?"
)
_DERIVED_ONE = (
    f"WITH derived({_COLUMNS}) AS ({DERIVED_SQL}) "  # noqa: S608
    "SELECT state, since, source, event_id FROM derived WHERE contact_key = ? AND category = ?"
)
_FLAG_DIFFERENCES = (
    "SELECT key FROM contacts WHERE opted_out IS NOT "
    "(key IN (SELECT contact_key FROM consent_state WHERE state = 'opted_out')) ORDER BY key LIMIT 6"
)


def _describe(row: tuple[object, ...] | None) -> str:
    if row is None:
        return "nothing"
    state, since, source, event_id = row
    return f"{state} since {since} via {source} (event {event_id})"


def state_differences(raw: sqlite3.Connection) -> tuple[int, list[str]]:
    """How many (contact, category) rows of consent_state differ from the ledger, and each shown plainly."""
    keys = raw.execute(_DIFFERENT_KEYS).fetchall()
    lines = []
    for contact_key, category in keys[:SHOWN]:
        cached = raw.execute(_CACHED_ONE, (contact_key, category)).fetchone()
        derived = raw.execute(_DERIVED_ONE, (contact_key, category)).fetchone()
        lines.append(
            f"{contact_key} / {category}: the state table says {_describe(cached)}, "
            f"the ledger says {_describe(derived)}"
        )
    if len(keys) > SHOWN:
        lines.append(f"…and {len(keys) - SHOWN:,} more contact/category rows differ")
    flags = [str(row[0]) for row in raw.execute(_FLAG_DIFFERENCES)]
    if flags:
        shown = ", ".join(flags[:5]) + (", …" if len(flags) > 5 else "")
        lines.append(f"the opted-out mark on contacts disagrees with the state table for {shown}")
    return len(keys), lines
