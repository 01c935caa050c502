"""Streaming CSV/JSON export of state and ledger (formula-injection safe), and opt-out list import."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from desktop_app.domain.consent import iso_utc, parse_iso
from desktop_app.domain.model import ALL, ConsentAction, EventSource, NewConsentEvent
from desktop_app.domain.phone import PhoneNumberError, normalize_phone
from desktop_app.domain.records import ImportReport

FORMATS = ("csv", "json")
BATCH = 5000  # import rows per transaction
EXPORT_BATCH = 2000  # rows per fetch while exporting: bounds memory
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset("=+-@\t\r")
# Columns that can carry text from customers, owners or other tools; the rest are ours (ids, times, hashes).
FREE_TEXT_COLUMNS = frozenset(
    {
        "contact_key",
        "name",
        "decided_by",
        "evidence_message_id",
        "evidence_text",
        "note",
        "dedupe_key",
        "confirmation_message_id",
        "confirmation_status",
        "category",
        "source",
    }
)

CONSENT_COLUMNS = ("contact_key", "name", "category", "state", "since", "source", "event_id", "changed_at")
CONSENT_SQL = (
    "SELECT s.contact_key, c.name, s.category, s.state, s.since, s.source, s.event_id, s.changed_at "
    "FROM consent_state s LEFT JOIN contacts c ON c.key = s.contact_key ORDER BY s.contact_key, s.category"
)
LEDGER_COLUMNS = (
    "id", "contact_key", "category", "action", "occurred_at", "recorded_at", "source", "decided_by",
    "evidence_message_id", "evidence_text", "note", "dedupe_key", "prev_hash", "hash",
    "confirmation_message_id", "confirmation_sent_at", "confirmation_status",
)  # fmt: skip
LEDGER_SQL = (
    "SELECT e.id, e.contact_key, e.category, e.action, e.occurred_at, e.recorded_at, e.source, e.decided_by, "
    "e.evidence_message_id, e.evidence_text, e.note, e.dedupe_key, e.prev_hash, e.hash, "
    "f.provider_message_id, f.sent_at, f.status "
    "FROM consent_events e LEFT JOIN event_confirmations f ON f.event_id = e.id ORDER BY e.id"
)

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula; plain E.164 numbers are left as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _E164.match(value):
        return value
    return "'" + value


def _neutralised(rows: list[tuple[Any, ...]], text_columns: Sequence[int]) -> list[Sequence[Any]]:
    """Rows with risky text cells escaped; only columns that can hold outside text are checked (speed)."""
    result: list[Sequence[Any]] = []
    for row in rows:
        fixed: list[Any] | None = None
        for index in text_columns:
            value = row[index]
            if value and value[0] in _FORMULA_CHARS and not (value[0] == "+" and value[1:].isdigit()):
                cleaned = safe_cell(value)
                if cleaned is not value:
                    fixed = fixed if fixed is not None else list(row)
                    fixed[index] = cleaned
        result.append(row if fixed is None else fixed)
    return result


def stream_rows(
    raw: sqlite3.Connection,
    sql: str,
    columns: Sequence[str],
    fp: IO[str],
    fmt: str,
    total: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> int:
    """Write rows as they come (fetchmany batches): memory stays flat whatever the row count."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    buffer = io.StringIO()
    writer = csv.writer(buffer) if fmt == "csv" else None
    if writer is not None:
        fp.write(",".join(columns) + "\r\n")
    else:
        fp.write("[")
    text_columns = [i for i, name in enumerate(columns) if name in FREE_TEXT_COLUMNS]
    done = 0
    cursor = raw.execute(sql)
    try:
        while not (cancelled and cancelled()):
            rows = cursor.fetchmany(EXPORT_BATCH)
            if not rows:
                break
            if writer is not None:
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(_neutralised(rows, text_columns))
                fp.write(buffer.getvalue())  # one write per batch instead of one per row
            else:
                chunk = json.dumps([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False)
                fp.write(("," if done else "") + chunk[1:-1])
            done += len(rows)
            if progress:
                progress(done, total)
    finally:
        cursor.close()
    if writer is None:
        fp.write("]\n")
    return done


_PHONE_HEADERS = ("phone", "phone_number", "number", "mobile", "msisdn", "whatsapp", "contact", "e164")
_DATE_HEADERS = ("occurred_at", "date", "opted_out_at", "unsubscribed_at", "timestamp", "created_at")


def _pick(header: Sequence[str], names: Iterable[str]) -> str | None:
    lowered = {re.sub(r"[\s\-]+", "_", h.strip().lower()): h for h in header}
    return next((lowered[name] for name in names if name in lowered), None)


def _parse_date(text: str) -> datetime:
    moment = parse_iso(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    assert moment is not None
    return moment.astimezone(UTC)


def read_opt_outs(
    path: Path, default_region: str, categories: Sequence[str], now: datetime, report: ImportReport
) -> Iterable[NewConsentEvent]:
    """Yield one ledger event per good row; record each bad row with its line number and reason."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        phone_col = _pick(header, _PHONE_HEADERS)
        if phone_col is None:
            report.errors.append((1, f"no phone column (expected one of: {', '.join(_PHONE_HEADERS)})"))
            return
        category_col = _pick(header, ("category", "scope", "list"))
        date_col = _pick(header, _DATE_HEADERS)
        for row in reader:
            line = reader.line_num
            raw_phone = (row.get(phone_col) or "").strip()
            try:
                normalized = normalize_phone(raw_phone, default_region, authoritative=False)
            except PhoneNumberError as exc:
                report.errors.append((line, str(exc)))
                continue
            if normalized.warning:
                report.warnings.append((line, normalized.warning))
            category = ((row.get(category_col) or "") if category_col else "").strip().lower() or ALL
            if category not in categories:
                report.errors.append(
                    (line, f"unknown category {category!r} (known: {', '.join(categories)})")
                )
                continue
            date_text = ((row.get(date_col) or "") if date_col else "").strip()
            try:
                occurred_at = _parse_date(date_text) if date_text else now
            except ValueError:
                report.errors.append((line, f"unreadable date {date_text!r} (use ISO 8601, e.g. 2026-03-01)"))
                continue
            if occurred_at > now:
                report.errors.append((line, f"date {date_text!r} is in the future"))
                continue
            yield NewConsentEvent(
                contact_key=normalized.key,
                category=category,
                action=ConsentAction.OPT_OUT,
                occurred_at=occurred_at,
                source=EventSource.IMPORT,
                decided_by=f"import:{path.name}",
                note=f"imported from {path.name}, line {line}",
                dedupe_key=f"import:{normalized.key}:{category}:{iso_utc(occurred_at) if date_text else ''}",
            )
