"""Streaming CSV/JSON export of state and ledger (formula-injection safe); imports: opt_out_import."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

FORMATS = ("csv", "json")
EXPORT_BATCH = 2000  # rows per fetch while exporting: bounds memory
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_sql(expr: str) -> str:
    """SQL twin of safe_cell, so CSV escaping runs inside SQLite at C speed (tests keep them equal)."""
    e164 = f"({expr} GLOB '+[1-9]*' AND {expr} NOT GLOB '+*[^0-9]*' AND length({expr}) BETWEEN 8 AND 16)"
    return (
        f"CASE WHEN {expr} GLOB '[-=+@' || char(9) || char(13) || ']*' AND NOT {e164} "
        f"THEN '''' || {expr} ELSE {expr} END"
    )


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """Columns (name, SQL expression, may hold outside text) and the FROM ... ORDER BY clause.

    SQLite formats each row itself (one CSV line or one JSON object per row): per-field work in Python
    would cap the export far below the 100,000 rows/s a million-row ledger needs.
    """

    columns: tuple[tuple[str, str, bool], ...]
    source: str

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.columns]

    def csv_sql(self) -> str:
        """One RFC 4180 line per row: text quoted (and formula-safe), numbers and times bare."""
        cells = [
            f"""coalesce('"' || replace({csv_safe_sql(expr)}, '"', '""') || '"', '')"""
            if text
            else f"coalesce({expr}, '')"
            for _, expr, text in self.columns
        ]
        row = " || ',' || ".join(cells)
        return f"SELECT {row} {self.source}"

    def json_sql(self) -> str:
        pairs = ", ".join(f"'{name}', {expr}" for name, expr, _ in self.columns)
        return f"SELECT json_object({pairs}) {self.source}"


CONSENT_EXPORT = ExportSpec(
    (
        ("contact_key", "s.contact_key", True),
        ("name", "c.name", True),
        ("category", "s.category", True),
        ("state", "s.state", False),
        ("since", "s.since", False),
        ("source", "s.source", True),
        ("event_id", "s.event_id", False),
        ("changed_at", "s.changed_at", False),
    ),
    "FROM consent_state s LEFT JOIN contacts c ON c.key = s.contact_key ORDER BY s.contact_key, s.category",
)
LEDGER_EXPORT = ExportSpec(
    (
        ("id", "e.id", False),
        ("contact_key", "e.contact_key", True),
        ("category", "e.category", True),
        ("action", "e.action", False),
        ("occurred_at", "e.occurred_at", False),
        ("recorded_at", "e.recorded_at", False),
        ("source", "e.source", True),
        ("decided_by", "e.decided_by", True),
        ("evidence_message_id", "e.evidence_message_id", True),
        ("evidence_text", "e.evidence_text", True),
        ("note", "e.note", True),
        ("dedupe_key", "e.dedupe_key", True),
        ("prev_hash", "e.prev_hash", False),
        ("hash", "e.hash", False),
        ("confirmation_message_id", "f.provider_message_id", True),
        ("confirmation_sent_at", "f.sent_at", False),
        ("confirmation_status", "f.status", True),
    ),
    "FROM consent_events e LEFT JOIN event_confirmations f ON f.event_id = e.id ORDER BY e.id",
)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; plain E.164 numbers are left as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _E164.match(value):
        return value
    return "'" + value


def stream_rows(
    raw: sqlite3.Connection,
    spec: ExportSpec,
    fp: IO[str],
    fmt: str,
    total: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
    trailer: dict[str, object] | None = None,
) -> int:
    """Write rows as they come (fetchmany batches): memory stays flat whatever the row count.

    A complete export ends with `trailer` (the anchor: ledger rows and head it was taken from): a last
    `#anchor` line in CSV, a last `{"anchor": ...}` element in JSON. A cancelled export has none.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    csv_mode = fmt == "csv"
    fp.write(",".join(spec.names) + "\r\n" if csv_mode else "[")
    done = 0
    cursor = raw.execute(spec.csv_sql() if csv_mode else spec.json_sql())
    try:
        while not (cancelled and cancelled()):
            rows = cursor.fetchmany(EXPORT_BATCH)
            if not rows:
                break
            if csv_mode:
                fp.write("\r\n".join([row[0] for row in rows]) + "\r\n")
            else:
                fp.write(("," if done else "") + "\n" + ",\n".join([row[0] for row in rows]))
            done += len(rows)
            if progress:
                progress(done, total)
    finally:
        cursor.close()
    if trailer is not None and not (cancelled and cancelled()):
        if csv_mode:
            fp.write("#anchor," + ",".join(f"{name}={value}" for name, value in trailer.items()) + "\r\n")
        else:
            fp.write(("," if done else "") + "\n" + json.dumps({"anchor": trailer}))
    if not csv_mode:
        fp.write("\n]\n")
    return done
