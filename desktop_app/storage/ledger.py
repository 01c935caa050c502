"""Whole-ledger operations: verify the hash chain, rebuild the cached state from the ledger alone."""

from __future__ import annotations

import os
import sqlite3

from desktop_app.domain.consent import GENESIS_HASH, HASHED_FIELDS, event_hash
from desktop_app.domain.event_time import CLOCK_SKEW
from desktop_app.domain.records import VerifyResult

_SELECT_CHAIN = f"SELECT {', '.join(HASHED_FIELDS)}, prev_hash, hash FROM consent_events ORDER BY id"  # noqa: S608


def verify_chain(raw: sqlite3.Connection) -> VerifyResult:
    """Recompute every row's hash in id order; name the first row whose contents or links were changed."""
    previous = GENESIS_HASH
    expected_id = 1
    checked = 0
    cursor = raw.execute(_SELECT_CHAIN)
    try:
        while True:
            rows = cursor.fetchmany(5000)
            if not rows:
                break
            for row in rows:
                fields = dict(zip(HASHED_FIELDS, row[: len(HASHED_FIELDS)], strict=True))
                row_id, prev_hash, stored = row[0], row[-2], row[-1]
                if row_id != expected_id:
                    return VerifyResult(
                        False, checked, row_id, f"row {expected_id} is missing (next row found is {row_id})"
                    )
                if prev_hash != previous:
                    return VerifyResult(
                        False,
                        checked,
                        row_id,
                        "its link to the previous row does not match (a row before it changed)",
                    )
                if event_hash(previous, fields) != stored:
                    return VerifyResult(False, checked, row_id, "its contents changed after it was recorded")
                previous = stored
                expected_id += 1
                checked += 1
    finally:
        cursor.close()
    return VerifyResult(True, checked, None, None, previous if checked else None)


# domain.event_time.resolution_time in SQL: occurred_at, never later than recorded_at + CLOCK_SKEW
# (both stored as fixed-width iso_utc text, so the min of the strings is the min of the times).
def resolution_time_sql(occurred: str, recorded: str) -> str:
    """The SQL expression for two columns of iso_utc text (the microseconds are carried over as text)."""
    skew = f"'+{int(CLOCK_SKEW.total_seconds())} seconds'"
    bound = f"strftime('%Y-%m-%dT%H:%M:%S', {recorded}, {skew}) || substr({recorded}, 20, 7) || '+00:00'"
    return f"min({occurred}, coalesce({bound}, {occurred}))"


_RESOLUTION_TIME = resolution_time_sql("occurred_at", "recorded_at")
REBUILD_SQL = (
    "DELETE FROM consent_state",
    # The latest event per (contact, category) by resolution time, ties to the later row, in one ordered
    # pass over ix_consent_events_contact; SQLite takes the bare columns from the row that holds the max().
    "INSERT INTO consent_state(contact_key, category, state, since, source, event_id, changed_at) "  # noqa: S608
    "SELECT contact_key, category, state, since, source, event_id, changed_at FROM ("
    "SELECT contact_key, category, CASE action WHEN 'opt_out' THEN 'opted_out' ELSE 'opted_in' END AS state,"
    f"  {_RESOLUTION_TIME} AS since, source, id AS event_id, recorded_at AS changed_at,"
    f"  max({_RESOLUTION_TIME} || printf('%015d', id)) AS sort_key"
    "  FROM consent_events GROUP BY contact_key, category)",
    "INSERT INTO contacts(key, kind, created_at, unread_count, pending_count, opted_out) "
    "SELECT DISTINCT contact_key, CASE WHEN contact_key GLOB '+[0-9]*' THEN 'phone' ELSE 'user_id' END, "
    "strftime('%Y-%m-%dT%H:%M:%S.000000+00:00', 'now'), 0, 0, 0 FROM consent_state WHERE true "
    "ON CONFLICT(key) DO NOTHING",
    "UPDATE contacts SET opted_out = 0 WHERE opted_out",
    "UPDATE contacts SET opted_out = 1 "
    "WHERE key IN (SELECT contact_key FROM consent_state WHERE state = 'opted_out')",
)


def rebuild_state(raw: sqlite3.Connection) -> int:
    """Regenerate consent_state from consent_events (inside the caller's write transaction).

    The state table's secondary indexes are dropped and recreated around the bulk insert: building an
    index by sorting once is much faster than a million random index inserts.
    """
    indexes = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'consent_state' "
        "AND sql IS NOT NULL"
    ).fetchall()
    raw.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")  # parallel sort for the index builds
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    for statement in REBUILD_SQL:
        raw.execute(statement)
    for _, sql in indexes:
        raw.execute(sql)
    return int(raw.execute("SELECT count(*) FROM consent_state").fetchone()[0])
