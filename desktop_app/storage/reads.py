"""Read queries behind the UI: conversations, threads, review queue, consent table (paged, indexed)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, text
from sqlalchemy.orm import Session

from desktop_app.domain.consent import OPTED_IN, OPTED_OUT, UNKNOWN, iso_utc, parse_iso
from desktop_app.domain.journeys import JOURNEY_KIND_PREFIX, OutgoingMessage
from desktop_app.domain.model import (
    CategoryState,
    ConsentAction,
    ConsentEventRecord,
    EventSource,
    VerdictKind,
)
from desktop_app.domain.records import (
    ConsentRow,
    ContactConsentRow,
    ContactRecord,
    ConversationSummary,
    DetectionRecord,
    MessageRecord,
)
from desktop_app.storage.models import (
    ConsentEvent,
    ConsentStateRow,
    Contact,
    Detection,
    EventConfirmation,
    Message,
)

CONVERSATION_FILTERS = ("all", "needs_review", "opted_out")
CONSENT_FILTERS = ("all", "opted_out", "opted_in", "changed_this_week")

log = logging.getLogger(__name__)


def like_pattern(search: str) -> str:
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# review queue -------------------------------------------------------------------------------------
def _detection_select() -> Select[Detection, str | None, datetime, str, str | None]:
    return (
        select(Detection, Message.text, Message.occurred_at, Contact.key, Contact.name)
        .join(Message, Message.id == Detection.message_id)
        .join(Contact, Contact.id == Message.contact_id)
    )


def detection_record(row: Any) -> DetectionRecord:
    det: Detection = row[0]
    return DetectionRecord(
        id=det.id,
        message_id=det.message_id,
        contact_key=row[3],
        contact_name=row[4],
        message_text=row[1],
        message_at=row[2],
        kind=VerdictKind(det.kind),
        scope=det.scope,
        confidence=det.confidence,
        auto=bool(det.auto),
        rule=det.rule,
        language=det.language,
        explanation=det.explanation,
        spans=tuple((int(a), int(b)) for a, b in json.loads(det.spans or "[]")),
        source=EventSource(det.source) if det.source else None,
        status=det.status,
        created_at=det.created_at,
        event_id=det.event_id,
        decided_at=det.decided_at,
        decided_by=det.decided_by,
    )


def detections_with_status(
    conn: Connection, status: str, limit: int | None, newest_first: bool
) -> list[DetectionRecord]:
    query = _detection_select().where(Detection.status == status)
    query = query.order_by(Detection.id.desc() if newest_first else Detection.id)
    if limit is not None:
        query = query.limit(limit)
    with Session(bind=conn) as session:
        return [detection_record(row) for row in session.execute(query)]


def detection_by_id(conn: Connection, det_id: int) -> DetectionRecord | None:
    with Session(bind=conn) as session:
        row = session.execute(_detection_select().where(Detection.id == det_id)).first()
    return detection_record(row) if row else None


# conversations ------------------------------------------------------------------------------------
def _conversation_where(filter: str, search: str | None) -> list[Any]:
    if filter not in CONVERSATION_FILTERS:
        raise ValueError(f"unknown conversation filter {filter!r}; use one of {CONVERSATION_FILTERS}")
    where: list[Any] = [Contact.last_at.is_not(None)]
    if filter == "needs_review":
        where.append(Contact.pending_count > 0)
    elif filter == "opted_out":
        where.append(Contact.opted_out.is_(True))
    if search and search.strip():
        pattern = like_pattern(search)
        matches = [Contact.key.like(pattern, escape="\\"), Contact.name.like(pattern, escape="\\")]
        query = fts_query(search)
        if query:
            matching = text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q").bindparams(q=query)
            matches.append(Contact.id.in_(select(Message.contact_id).where(Message.id.in_(matching))))
        where.append(or_(*matches))
    return where


def fts_query(search: str) -> str:
    """What the owner typed as an FTS5 query: every word must appear, each as a prefix."""
    words = [word for word in search.split() if any(ch.isalnum() for ch in word)]
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def conversations(
    conn: Connection, filter: str, search: str | None, offset: int, limit: int
) -> list[ConversationSummary]:
    query = (
        select(
            Contact.key,
            Contact.name,
            Contact.last_text,
            Contact.last_at,
            Contact.last_direction,
            Contact.unread_count,
            Contact.pending_count,
            Contact.opted_out,
        )
        .where(*_conversation_where(filter, search))
        .order_by(Contact.last_at.desc(), Contact.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        ConversationSummary(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), bool(r[7]))
        for r in conn.execute(query)
    ]


def count_conversations(conn: Connection, filter: str, search: str | None) -> int:
    query = select(func.count()).select_from(Contact).where(*_conversation_where(filter, search))
    return int(conn.execute(query).scalar_one())


def contact(conn: Connection, key: str) -> ContactRecord | None:
    row = conn.execute(select(Contact).where(Contact.key == key)).first()
    if row is None:
        return None
    c = row._mapping
    return ContactRecord(
        key=c["key"],
        kind=c["kind"],
        name=c["name"],
        created_at=c["created_at"],
        last_message_at=c["last_at"],
        unread_count=int(c["unread_count"]),
        pending_count=int(c["pending_count"]),
        opted_out=bool(c["opted_out"]),
    )


def thread(conn: Connection, key: str, limit: int) -> list[MessageRecord]:
    contact_id = conn.execute(select(Contact.id).where(Contact.key == key)).scalar()
    if contact_id is None:
        return []
    newest_first = conn.execute(
        select(Message)
        .where(Message.contact_id == contact_id)
        .order_by(Message.occurred_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    rows = list(reversed(newest_first))
    ids = [r._mapping["id"] for r in rows]
    detections: dict[int, DetectionRecord] = {}
    if ids:
        with Session(bind=conn) as session:
            for det_row in session.execute(_detection_select().where(Detection.message_id.in_(ids))):
                record = detection_record(det_row)
                previous = detections.get(record.message_id)
                if previous is None or previous.id < record.id:
                    detections[record.message_id] = record
    result = []
    for r in rows:
        m = r._mapping
        result.append(
            MessageRecord(
                id=m["id"],
                contact_key=key,
                direction=m["direction"],
                kind=m["kind"],
                text=m["text"],
                occurred_at=m["occurred_at"],
                provider=m["provider"],
                provider_message_id=m["provider_message_id"],
                status=m["status"],
                category=m["category"],
                error_code=m["error_code"],
                erased=m["erased_at"] is not None,
                detection=detections.get(m["id"]),
                journey=_journey_of(m["kind"], m["raw"]),
            )
        )
    return result


def _journey_of(kind: str, raw: str | None) -> OutgoingMessage | None:
    """A journey message's buttons or list from its outbound row (None if absent, erased or damaged)."""
    if not kind.startswith(JOURNEY_KIND_PREFIX) or not raw:
        return None
    try:
        data = json.loads(raw)
        return OutgoingMessage.from_dict(data) if isinstance(data, dict) else None
    except ValueError:
        log.info("A journey message's stored form is unreadable; it is shown as plain text")
        return None


# consent ----------------------------------------------------------------------------------------------
def states_for(conn: Connection, key: str, categories: Sequence[str]) -> dict[str, CategoryState]:
    found = {
        row.category: CategoryState(row.category, row.state, row.since, row.source, row.event_id)
        for row in conn.execute(
            select(
                ConsentStateRow.category,
                ConsentStateRow.state,
                ConsentStateRow.since,
                ConsentStateRow.source,
                ConsentStateRow.event_id,
            ).where(ConsentStateRow.contact_key == key)
        )
    }
    return {
        category: found.get(category, CategoryState(category, UNKNOWN)) for category in categories
    } | found


def event_record(m: Any) -> ConsentEventRecord:
    return ConsentEventRecord(
        id=m["id"],
        contact_key=m["contact_key"],
        category=m["category"],
        action=ConsentAction(m["action"]),
        occurred_at=m["occurred_at"],
        recorded_at=m["recorded_at"],
        source=EventSource(m["source"]),
        decided_by=m["decided_by"],
        evidence_message_id=m["evidence_message_id"],
        evidence_text=m["evidence_text"],
        note=m["note"],
        confirmation_message_id=m["confirmation_message_id"],
        confirmation_sent_at=m["confirmation_sent_at"],
        confirmation_status=m["confirmation_status"],
    )


def events_query() -> Select[*tuple[Any, ...]]:
    return select(
        ConsentEvent.id,
        ConsentEvent.contact_key,
        ConsentEvent.category,
        ConsentEvent.action,
        ConsentEvent.occurred_at,
        ConsentEvent.recorded_at,
        ConsentEvent.source,
        ConsentEvent.decided_by,
        ConsentEvent.evidence_message_id,
        ConsentEvent.evidence_text,
        ConsentEvent.note,
        EventConfirmation.provider_message_id.label("confirmation_message_id"),
        EventConfirmation.sent_at.label("confirmation_sent_at"),
        EventConfirmation.status.label("confirmation_status"),
    ).outerjoin(EventConfirmation, EventConfirmation.event_id == ConsentEvent.id)


# Opt-outs the customer sent us in a message: the ones that are answered with a confirmation.
CONFIRMED_SOURCES = ("keyword", "phrase", "button")


def unconfirmed_opt_outs(conn: Connection, since: datetime) -> list[tuple[ConsentEventRecord, str | None]]:
    """Opt-outs from customer messages recorded since `since` with no confirmation row at all,
    with the language of the detection that produced them (for the confirmation's wording)."""
    query = (
        events_query()
        .add_columns(Detection.language)
        .outerjoin(Detection, Detection.event_id == ConsentEvent.id)
        .where(
            ConsentEvent.action == "opt_out",
            ConsentEvent.source.in_(CONFIRMED_SOURCES),
            ConsentEvent.recorded_at >= since,
            EventConfirmation.event_id.is_(None),
        )
        .order_by(ConsentEvent.id)
    )
    found: dict[int, tuple[ConsentEventRecord, str | None]] = {}
    for row in conn.execute(query):
        record = event_record(row._mapping)
        found.setdefault(record.id, (record, row._mapping["language"]))
    return list(found.values())


def history(conn: Connection, key: str) -> list[ConsentEventRecord]:
    query = (
        events_query()
        .where(ConsentEvent.contact_key == key)
        .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
    )
    return [event_record(r._mapping) for r in conn.execute(query)]


def event_by_id(conn: Connection, event_id: int) -> ConsentEventRecord | None:
    row = conn.execute(events_query().where(ConsentEvent.id == event_id)).first()
    return event_record(row._mapping) if row else None


def _consent_where(filter: str, search: str | None, now: datetime) -> list[Any]:
    if filter not in CONSENT_FILTERS:
        raise ValueError(f"unknown consent filter {filter!r}; use one of {CONSENT_FILTERS}")
    where: list[Any] = []
    if filter == "opted_out":
        where.append(ConsentStateRow.state == OPTED_OUT)
    elif filter == "opted_in":
        where.append(ConsentStateRow.state == OPTED_IN)
    elif filter == "changed_this_week":
        where.append(ConsentStateRow.changed_at >= now - timedelta(days=7))
    if search and search.strip():
        pattern = like_pattern(search)
        # Find the matching contacts first (one pass over contacts), then their state rows by key.
        matching = select(Contact.key).where(
            or_(Contact.key.like(pattern, escape="\\"), Contact.name.like(pattern, escape="\\"))
        )
        where.append(ConsentStateRow.contact_key.in_(matching))
    return where


def consent_page(
    conn: Connection, filter: str, search: str | None, offset: int, limit: int, now: datetime
) -> list[ConsentRow]:
    query = (
        select(
            ConsentStateRow.contact_key,
            Contact.name,
            ConsentStateRow.category,
            ConsentStateRow.state,
            ConsentStateRow.since,
            ConsentStateRow.source,
            ConsentStateRow.event_id,
            ConsentStateRow.changed_at,
        )
        .outerjoin(Contact, Contact.key == ConsentStateRow.contact_key)
        .where(*_consent_where(filter, search, now))
        .order_by(ConsentStateRow.changed_at.desc(), ConsentStateRow.contact_key, ConsentStateRow.category)
        .offset(offset)
        .limit(limit)
    )
    return [ConsentRow(*row) for row in conn.execute(query)]


def count_consent(conn: Connection, filter: str, search: str | None, now: datetime) -> int:
    query = select(func.count()).select_from(ConsentStateRow)
    return int(conn.execute(query.where(*_consent_where(filter, search, now))).scalar_one())


# The consent table, one row per contact: the row of their latest change (the one no other of their
# rows is later than) walked down ix_consent_state_changed_at, newest first, so a page reads ~limit
# rows whatever the book's size; the next page starts after the last row's (changed_at, key, category).
_LATEST_PER_CONTACT = """
SELECT {columns} FROM consent_state s
WHERE NOT EXISTS (SELECT 1 FROM consent_state t WHERE t.contact_key = s.contact_key
    AND (t.changed_at > s.changed_at OR (t.changed_at = s.changed_at AND t.category > s.category)))
{where}
"""
_PAGE_COLUMNS = (
    "s.contact_key, (SELECT c.name FROM contacts c WHERE c.key = s.contact_key), "
    "s.since, s.source, s.changed_at, s.category"
)
_PAGE_ORDER = "\nORDER BY s.changed_at DESC, s.contact_key DESC, s.category DESC LIMIT :limit"
# `+u.state`: look the contact's few rows up by primary key; the state index would scan the table
_HAS_STATE = (
    "AND EXISTS (SELECT 1 FROM consent_state u WHERE u.contact_key = s.contact_key AND +u.state = :state)"
)
_MATCHING = (
    "AND s.contact_key IN (SELECT key FROM contacts WHERE key LIKE :pattern ESCAPE '\\' "
    "OR name LIKE :pattern ESCAPE '\\')"
)


def _contact_filter(
    filter: str, search: str | None, now: datetime, *, per_row: bool = False
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on `s` for a filter; `per_row`: on any of a contact's rows (COUNT DISTINCT)."""
    if filter not in CONSENT_FILTERS:
        raise ValueError(f"unknown consent filter {filter!r}; use one of {CONSENT_FILTERS}")
    where: list[str] = []
    params: dict[str, Any] = {}
    if filter in ("opted_out", "opted_in"):
        where.append("AND s.state = :state" if per_row else _HAS_STATE)
        params["state"] = OPTED_OUT if filter == "opted_out" else OPTED_IN
    elif filter == "changed_this_week":
        where.append("AND s.changed_at >= :cutoff")  # their latest change is this week iff any is
        params["cutoff"] = iso_utc(now - timedelta(days=7))
    if search and search.strip():
        where.append(_MATCHING)
        params["pattern"] = like_pattern(search)
    return where, params


def contact_consent_page(
    conn: Connection,
    filter: str,
    search: str | None,
    after: tuple[str, str, str] | None,
    limit: int,
    now: datetime,
) -> list[ContactConsentRow]:
    """Contacts with a recorded choice, latest change first, each with their state in every category."""
    where, params = _contact_filter(filter, search, now)
    if after is not None:
        where.append("AND (s.changed_at, s.contact_key, s.category) < (:at, :key, :category)")
        params.update(at=after[0], key=after[1], category=after[2])
    params["limit"] = limit
    query = _LATEST_PER_CONTACT.format(columns=_PAGE_COLUMNS, where="\n".join(where)) + _PAGE_ORDER
    latest = conn.exec_driver_sql(query, params).all()
    if not latest:
        return []
    keys = [row[0] for row in latest]
    states: dict[str, dict[str, str]] = {key: {} for key in keys}
    marks = ", ".join("?" for _ in keys)
    for key, category, state in conn.exec_driver_sql(
        f"SELECT contact_key, category, state FROM consent_state WHERE contact_key IN ({marks})",  # noqa: S608 - only ?s
        tuple(keys),
    ):
        states[key][category] = state
    return [
        ContactConsentRow(key, name, states[key], parse_iso(since), source, (changed_at, key, category))
        for key, name, since, source, changed_at, category in latest
    ]


def count_contact_consent(conn: Connection, filter: str, search: str | None, now: datetime) -> int:
    """How many contacts the table shows under this filter (a COUNT over their latest rows)."""
    where, params = _contact_filter(filter, search, now, per_row=True)
    # distinct keys from the primary key or the state / changed_at index: no per-contact lookups
    query = "SELECT count(DISTINCT s.contact_key) FROM consent_state s WHERE 1 " + "\n".join(where)  # noqa: S608
    return int(conn.exec_driver_sql(query, params).scalar_one())
