"""Data-subject requests: everything about one contact, and erasing message contents but not the proof."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from desktop_app.domain.consent import iso_utc
from desktop_app.storage.preference_links import bump_generation


def _rows(raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cursor = raw.execute(sql, params)
    try:
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _mention(key: str) -> str:
    """LIKE pattern for raw payloads naming this contact (providers write numbers without the '+')."""
    text = key.lstrip("+").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{text}%"


def export_contact(raw: sqlite3.Connection, key: str, exported_at: datetime) -> dict[str, Any]:
    """All we hold about one person (messages, detections, ledger, current state, confirmations)."""
    contact = _rows(raw, "SELECT * FROM contacts WHERE key = ?", (key,))
    contact_id = contact[0]["id"] if contact else -1
    messages = _rows(
        raw, "SELECT * FROM messages WHERE contact_id = ? ORDER BY occurred_at, id", (contact_id,)
    )
    for message in messages:
        message["raw"] = _loads(message["raw"])
    message_ids = tuple(m["provider_message_id"] for m in messages if m["provider_message_id"])
    statuses: list[dict[str, Any]] = []
    if message_ids:
        marks = ",".join("?" * len(message_ids))
        statuses = _rows(
            raw,
            f"SELECT provider, provider_message_id, status, occurred_at, error_code, error_title "  # noqa: S608
            f"FROM message_statuses WHERE provider_message_id IN ({marks}) ORDER BY occurred_at, id",
            message_ids,
        )
    detections = _rows(
        raw,
        "SELECT d.* FROM detections d JOIN messages m ON m.id = d.message_id "
        "WHERE m.contact_id = ? ORDER BY d.id",
        (contact_id,),
    )
    for detection in detections:
        detection["spans"] = _loads(detection["spans"])
    ledger = _rows(
        raw,
        "SELECT e.*, f.provider_message_id AS confirmation_message_id, f.sent_at AS confirmation_sent_at, "
        "f.status AS confirmation_status FROM consent_events e "
        "LEFT JOIN event_confirmations f ON f.event_id = e.id WHERE e.contact_key = ? ORDER BY e.id",
        (key,),
    )
    state = _rows(raw, "SELECT * FROM consent_state WHERE contact_key = ? ORDER BY category", (key,))
    unparsed = _rows(
        raw,
        "SELECT id, provider, reason, raw, received_at FROM unparsed_payloads WHERE raw LIKE ? ESCAPE '\\' "
        "ORDER BY id",
        (_mention(key),),
    )
    for payload in unparsed:
        payload["raw"] = _loads(payload["raw"])
    return {
        "contact_key": key,
        "exported_at": iso_utc(exported_at),
        "contact": contact[0] if contact else None,
        "messages": messages,
        "message_statuses": statuses,
        "detections": detections,
        "consent_events": ledger,
        "consent_state": state,
        "unparsed_payloads_mentioning_them": unparsed,
    }


def erase_messages(raw: sqlite3.Connection, key: str, erased_at: datetime) -> int:
    """Blank message contents, raw payloads and the name; keep the ledger (the opt-out proof) untouched.

    Returns how many messages were erased now (already-erased ones are not counted again).
    """
    row = raw.execute("SELECT id FROM contacts WHERE key = ?", (key,)).fetchone()
    if row is None:
        return 0
    contact_id = int(row[0])
    bump_generation(raw, key, erased_at)  # the preferences page's links die with the data
    provider_ids = [
        r[0]
        for r in raw.execute(
            "SELECT provider_message_id FROM messages "
            "WHERE contact_id = ? AND provider_message_id IS NOT NULL",
            (contact_id,),
        )
    ]
    cursor = raw.execute(
        "UPDATE messages SET text = NULL, raw = NULL, button_payload = NULL, erased_at = ? "
        "WHERE contact_id = ? AND erased_at IS NULL",
        (iso_utc(erased_at), contact_id),
    )
    erased = cursor.rowcount
    raw.executemany(
        "UPDATE message_statuses SET raw = NULL, error_title = NULL WHERE provider_message_id = ?",
        [(pmid,) for pmid in provider_ids],
    )
    raw.execute(
        "UPDATE detections SET explanation = '', spans = '[]' WHERE message_id IN "
        "(SELECT id FROM messages WHERE contact_id = ?)",
        (contact_id,),
    )
    raw.execute(
        "UPDATE contacts SET name = NULL, last_text = NULL, unread_count = 0 WHERE id = ?", (contact_id,)
    )
    raw.execute(  # payloads we could not parse may hold their messages too
        "UPDATE unparsed_payloads SET raw = '\"erased\"' WHERE raw LIKE ? ESCAPE '\\'", (_mention(key),)
    )
    return int(erased)
