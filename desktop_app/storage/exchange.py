"""Streaming CSV/JSON export of state and ledger (formula-injection safe); imports: opt_out_import.

CSV cells are escaped by the one rule, `domain.spreadsheet.safe_cell`, which SQLite calls (as
csv_safe) only for cells starting with a formula character, so the streamed export stays fast.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from desktop_app.domain.spreadsheet import CONSENT_COLUMNS, csv_line, header_line, safe_cell

FORMATS = ("csv", "json")
EXPORT_BATCH = 2000  # rows per fetch while exporting: bounds memory
__all__ = ["CONSENT_EXPORT", "LEDGER_EXPORT", "csv_line", "safe_cell", "stream_rows"]
SAFE_CELL_SQL_FUNCTION = "csv_safe"


def register_safe_cell(raw: sqlite3.Connection) -> None:
    """Make `safe_cell` callable from SQL on this connection (as csv_safe(x))."""
    raw.create_function(SAFE_CELL_SQL_FUNCTION, 1, safe_cell, deterministic=True)


def csv_safe_sql(expr: str) -> str:
    """`safe_cell` applied in SQL: the cheap GLOB only skips cells the rule would leave alone anyway."""
    return (
        f"CASE WHEN {expr} GLOB '[-=+@' || char(9) || char(13) || ']*' "
        f"THEN {SAFE_CELL_SQL_FUNCTION}({expr}) ELSE {expr} END"
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

    @property
    def text_columns(self) -> list[bool]:
        return [text for _, _, text in self.columns]

    def header_line(self) -> str:
        return header_line(self.names)

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


_CONSENT_SQL = {
    "contact_key": "s.contact_key",
    "name": "c.name",
    "category": "s.category",
    "state": "s.state",
    "since": "s.since",
    "source": "s.source",
    "event_id": "s.event_id",
    "changed_at": "s.changed_at",
}
CONSENT_EXPORT = ExportSpec(
    tuple((name, _CONSENT_SQL[name], text) for name, text in CONSENT_COLUMNS),
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
    if csv_mode:
        register_safe_cell(raw)
    fp.write(spec.header_line() if csv_mode else "[")
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
