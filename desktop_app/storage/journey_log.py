"""journey_sends reads and writes: claim a journey message once per (contact, kind, trigger), record it."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain.consent import iso_utc, parse_iso

SENDING = "sending"
SENT = "sent"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class JourneySendRecord:
    id: int
    contact_key: str
    kind: str
    trigger: str
    language: str
    message: str
    status: str
    provider_message_id: str | None
    error: str | None
    created_at: datetime | None


def claim(
    raw: sqlite3.Connection,
    *,
    contact_key: str,
    kind: str,
    trigger: str,
    language: str,
    message_json: str,
    at: datetime,
) -> int | None:
    """Insert the 'sending' row; None when this (contact, kind, trigger) was already claimed (never twice)."""
    cursor = raw.execute(
        "INSERT INTO journey_sends(contact_key, kind, trigger, language, message, created_at, status, "
        "status_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(contact_key, kind, trigger) DO NOTHING",
        (contact_key, kind, trigger, language, message_json, iso_utc(at), SENDING, iso_utc(at)),
    )
    return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid is not None else None


def record_result(
    raw: sqlite3.Connection,
    send_id: int,
    *,
    at: datetime,
    provider_message_id: str | None,
    error: str | None,
) -> None:
    """After the send: 'sent' with the provider id, or 'failed: …' (recorded, never retried in a loop)."""
    status = SENT if error is None else f"failed: {error}"[:32]
    raw.execute(
        "UPDATE journey_sends SET status = ?, status_at = ?, provider_message_id = ?, sent_at = ?, error = ? "
        "WHERE id = ?",
        (status, iso_utc(at), provider_message_id, iso_utc(at) if error is None else None, error, send_id),
    )


def mark_stale_unknown(raw: sqlite3.Connection) -> int:
    """Rows left 'sending' by a crash become 'unknown': we cannot tell if they went out, so never resend."""
    return raw.execute("UPDATE journey_sends SET status = ? WHERE status = ?", (UNKNOWN, SENDING)).rowcount


def apply_status(
    raw: sqlite3.Connection,
    provider_message_id: str,
    status: str,
    at: datetime,
    *,
    keep: Collection[str] = (),
) -> int:
    """A webhook delivery status for a journey message; a row already in a `keep` status (a later one:
    'delivered' when a late 'sent' arrives) stays as it is."""
    marks = ",".join("?" * len(keep)) or "''"
    return raw.execute(
        "UPDATE journey_sends SET status = ?, status_at = ? "  # noqa: S608 (placeholders only)
        f"WHERE provider_message_id = ? AND status NOT IN ({marks})",
        (status[:32], iso_utc(at), provider_message_id, *sorted(keep)),
    ).rowcount


def find(raw: sqlite3.Connection, contact_key: str, kind: str | None = None) -> list[JourneySendRecord]:
    sql = (
        "SELECT id, contact_key, kind, trigger, language, message, status, provider_message_id, error, "
        "created_at FROM journey_sends WHERE contact_key = ?"
    )
    params: tuple[str, ...] = (contact_key,)
    if kind is not None:
        sql += " AND kind = ?"
        params = (contact_key, kind)
    rows = raw.execute(sql + " ORDER BY id", params).fetchall()
    return [
        JourneySendRecord(
            id=int(r[0]),
            contact_key=r[1],
            kind=r[2],
            trigger=r[3],
            language=r[4],
            message=r[5],
            status=r[6],
            provider_message_id=r[7],
            error=r[8],
            created_at=parse_iso(r[9]),
        )
        for r in rows
    ]
