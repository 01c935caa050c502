"""One write transaction (BEGIN IMMEDIATE ... COMMIT): messages, detections, ledger appends, statuses."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop_app.domain.consent import (
    GENESIS_HASH,
    OPTED_OUT,
    event_hash,
    iso_utc,
    parse_iso,
    state_of,
)
from desktop_app.domain.event_time import resolution_time
from desktop_app.domain.model import (
    CategoryState,
    ConsentAction,
    ConsentEventRecord,
    ContactKind,
    ContactRef,
    EventSource,
    InboundMessage,
    NewConsentEvent,
    StatusUpdate,
    Verdict,
)
from desktop_app.domain.phone import is_e164, normalize_ref
from desktop_app.storage import journey_log
from desktop_app.storage.ledger import resolution_time_sql

if TYPE_CHECKING:
    from desktop_app.domain.ports import UnitOfWorkPort

log = logging.getLogger(__name__)

# Later statuses win; a late "delivered" never hides a "read" or a "failed".
STATUS_RANK = {
    "accepted": 0,
    "queued": 0,
    "sending": 0,
    "sent": 1,
    "delivered": 2,
    "read": 3,
    "failed": 4,
    "undelivered": 4,
}
_INSERT_EVENT = (
    "INSERT INTO consent_events(id, contact_key, category, action, occurred_at, recorded_at, source, "
    "decided_by, evidence_message_id, evidence_text, note, dedupe_key, prev_hash, hash"
)
# A dedupe_key seen before inserts nothing (its unique index decides, no SELECT first).
_SEEN = " ON CONFLICT(dedupe_key) DO NOTHING"
_INSERT_PLAIN = _INSERT_EVENT + ") VALUES (" + "?, " * 13 + "?)" + _SEEN
_INSERT_SIGNED = _INSERT_EVENT + ", mac) VALUES (" + "?, " * 14 + "?)" + _SEEN  # revision 0004
# The current state's own time, bounded the same way: a row cached before the bound existed
# (since 2100, say) cannot keep outranking later choices until the next rebuild.
_UPSERT_STATE_SQL = (
    "INSERT INTO consent_state(contact_key, category, state, since, source, event_id, changed_at) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(contact_key, category) DO UPDATE SET "
    "state = excluded.state, since = excluded.since, source = excluded.source, "
    "event_id = excluded.event_id, changed_at = excluded.changed_at "
    "WHERE (excluded.since, excluded.event_id) > "
    f"({resolution_time_sql('consent_state.since', 'consent_state.changed_at')}, consent_state.event_id)"
)
DETECTION_STATUSES = ("pending", "auto_applied", "confirmed", "dismissed", "reversed")
SUPERSEDED_BY_CUSTOMER = "customer: took it back in a later message"


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


class UnitOfWork:
    """Write operations inside one transaction; obtained from ConsentBook.unit_of_work() only.

    Statements go straight to SQLAlchemy's pooled DBAPI connection: the ledger append must sustain
    thousands of events a second, which ORM flushes cannot. The schema is the ORM's (models.py).
    """

    def __init__(
        self,
        raw: sqlite3.Connection,
        *,
        default_region: str,
        now: Callable[[], datetime],
        categories: frozenset[str],
        sign: Callable[[str], str] | None = None,
    ) -> None:
        self._raw = raw
        self._sign = sign  # the book key's HMAC of a row's chain hash; None when the key is not here
        self._region = default_region
        self._now = now
        self._categories = categories
        self._head: tuple[int, str] | None = None  # ledger chain head, safe to cache under the write lock
        self.appended: list[ConsentEventRecord] = []

    @property
    def connection(self) -> sqlite3.Connection:
        """The transaction's connection, for whole-table jobs in this package (rebuild, erasure)."""
        return self._raw

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One event's writes as a SAVEPOINT: kept when the block ends, undone entirely when it raises.

        The cached chain head and the appended list are restored with the rows, so the next event
        links to the last row that really exists.
        """
        head, appended = self._head, len(self.appended)
        self._raw.execute("SAVEPOINT ingest_event")
        try:
            yield
        except BaseException:
            self._head = head
            del self.appended[appended:]
            if self._raw.in_transaction:  # SQLite itself ends the transaction on some errors (disk full)
                self._raw.execute("ROLLBACK TO ingest_event")
                self._raw.execute("RELEASE ingest_event")
            raise
        self._raw.execute("RELEASE ingest_event")

    # contacts -----------------------------------------------------------------------------------
    def _upsert_contact(self, key: str, kind: str, name: str | None) -> int:
        row = self._raw.execute(
            "INSERT INTO contacts(key, kind, name, created_at, unread_count, pending_count, opted_out) "
            "VALUES (?, ?, ?, ?, 0, 0, 0) "
            "ON CONFLICT(key) DO UPDATE SET name = COALESCE(excluded.name, contacts.name) RETURNING id",
            (key, kind, name, iso_utc(self._now())),
        ).fetchone()
        return int(row[0])

    def _contact(self, ref: ContactRef, authoritative: bool) -> tuple[str, int]:
        normalized = normalize_ref(ref, self._region, authoritative=authoritative)
        if normalized.warning:
            log.warning("contact %s: %s", normalized.key, normalized.warning)
        name = ref.name.strip() if ref.name and ref.name.strip() else None
        return normalized.key, self._upsert_contact(normalized.key, normalized.kind.value, name)

    def contact_key(self, ref: ContactRef, authoritative: bool = True) -> str:
        """Normalise to E.164 (or keep the user id), create the contact if new, update its name if given."""
        return self._contact(ref, authoritative)[0]

    def _ensure_contact_key(self, key: str) -> int:
        kind = ContactKind.PHONE if is_e164(key) else ContactKind.USER_ID
        return self._upsert_contact(key, kind.value, None)

    def _touch_last(
        self, contact_id: int, message_id: int, text: str | None, at: str, direction: str
    ) -> None:
        self._raw.execute(
            "UPDATE contacts SET last_message_id = ?, last_text = ?, last_at = ?, last_direction = ? "
            "WHERE id = ? AND (last_at IS NULL OR last_at <= ?)",
            (message_id, text, at, direction, contact_id, at),
        )

    # messages -----------------------------------------------------------------------------------
    def store_inbound(self, msg: InboundMessage) -> int | None:
        """Store a customer's message; None when this provider already delivered that message id."""
        _, contact_id = self._contact(msg.sender, authoritative=True)
        at = iso_utc(msg.occurred_at)
        text = msg.text if msg.text is not None else msg.button_text
        row = self._raw.execute(
            "INSERT INTO messages(contact_id, direction, provider, provider_message_id, kind, text, "
            "occurred_at, recorded_at, button_payload, context_message_id, business_number, raw) "
            "VALUES (?, 'inbound', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(provider, provider_message_id) DO NOTHING RETURNING id",
            (
                contact_id,
                msg.provider,
                msg.provider_message_id,
                str(msg.kind),
                text,
                at,
                iso_utc(self._now()),
                msg.button_payload,
                msg.context_message_id,
                msg.business_number,
                to_json(msg.raw),
            ),
        ).fetchone()
        if row is None:
            return None
        message_id = int(row[0])
        self._raw.execute("UPDATE contacts SET unread_count = unread_count + 1 WHERE id = ?", (contact_id,))
        self._touch_last(contact_id, message_id, text if text is not None else f"[{msg.kind}]", at, "inbound")
        return message_id

    def store_outbound(
        self,
        contact_key: str,
        text: str,
        *,
        provider: str,
        provider_message_id: str | None,
        category: str | None,
        sent_at: datetime,
        status: str = "sent",
        kind: str = "text",
        raw: str | None = None,
    ) -> int:
        """An outbound row; `raw` is a journey message's JSON (OutgoingMessage.to_dict), for the thread."""
        contact_id = self._ensure_contact_key(contact_key)
        at = iso_utc(sent_at)
        row = self._raw.execute(
            "INSERT INTO messages(contact_id, direction, provider, provider_message_id, kind, text, "
            "occurred_at, recorded_at, status, status_at, category, raw) "
            "VALUES (?, 'outbound', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                contact_id,
                provider,
                provider_message_id,
                kind,
                text,
                at,
                iso_utc(self._now()),
                status,
                at,
                category,
                raw,
            ),
        ).fetchone()
        message_id = int(row[0])
        self._touch_last(contact_id, message_id, text, at, "outbound")
        return message_id

    def store_unparsed(self, provider: str, reason: str, raw: Any) -> int:
        row = self._raw.execute(
            "INSERT INTO unparsed_payloads(provider, reason, raw, received_at) "
            "VALUES (?, ?, ?, ?) RETURNING id",
            (provider, reason, to_json(raw) or "null", iso_utc(self._now())),
        ).fetchone()
        return int(row[0])

    def apply_status(self, s: StatusUpdate) -> bool:
        """Record a delivery status once (False when this id+status was seen) and update the message."""
        at = iso_utc(s.occurred_at)
        row = self._raw.execute(
            "INSERT INTO message_statuses(provider, provider_message_id, status, occurred_at, error_code, "
            "error_title, raw) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(provider, provider_message_id, status) DO NOTHING RETURNING id",
            (s.provider, s.provider_message_id, s.status, at, s.error_code, s.error_title, to_json(s.raw)),
        ).fetchone()
        if row is None:
            return False
        rank = STATUS_RANK.get(s.status, 0)
        current = self._raw.execute(
            "SELECT id, status FROM messages WHERE provider = ? AND provider_message_id = ?",
            (s.provider, s.provider_message_id),
        ).fetchone()
        if current is not None and rank >= STATUS_RANK.get(current[1] or "", 0):
            self._raw.execute(
                "UPDATE messages SET status = ?, status_at = ?, error_code = COALESCE(?, error_code) "
                "WHERE id = ?",
                (s.status, at, s.error_code, current[0]),
            )
        confirmation = self._raw.execute(
            "SELECT event_id, status FROM event_confirmations WHERE provider_message_id = ?",
            (s.provider_message_id,),
        ).fetchone()
        if confirmation is not None and rank >= STATUS_RANK.get(confirmation[1] or "", 0):
            self._raw.execute(
                "UPDATE event_confirmations SET status = ?, status_at = ? WHERE event_id = ?",
                (s.status, at, confirmation[0]),
            )
        if confirmation is None:  # a message id is a confirmation's or a journey message's, never both
            later = {name for name, other in STATUS_RANK.items() if other > rank}
            journey_log.apply_status(self._raw, s.provider_message_id, s.status, s.occurred_at, keep=later)
        return True

    @property
    def journey_connection(self) -> sqlite3.Connection:
        """The unit's connection for storage.journey_log (journey_sends rows share this transaction)."""
        return self._raw

    def claim_journey(
        self, *, contact_key: str, kind: str, trigger: str, language: str, message_json: str, at: datetime
    ) -> int | None:
        """Claim a journey message before sending it; None when this trigger was already answered."""
        return journey_log.claim(
            self._raw, contact_key=contact_key, kind=kind, trigger=trigger, language=language,
            message_json=message_json, at=at,
        )

    def record_journey(
        self, send_id: int, *, at: datetime, provider_message_id: str | None, error: str | None
    ) -> None:
        journey_log.record_result(
            self._raw, send_id, at=at, provider_message_id=provider_message_id, error=error
        )

    # detections ---------------------------------------------------------------------------------
    def add_detection(
        self, message_row_id: int, verdict: Verdict, *, status: str = "pending", event_id: int | None = None
    ) -> int:
        if status not in ("pending", "auto_applied"):
            raise ValueError(f"a new detection is 'pending' or 'auto_applied', not {status!r}")
        row = self._raw.execute(
            "INSERT INTO detections(message_id, kind, scope, confidence, auto, language, rule, explanation, "
            "spans, source, status, event_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                message_row_id,
                verdict.kind.value,
                verdict.scope,
                verdict.confidence,
                verdict.auto,
                verdict.language,
                verdict.rule,
                verdict.explanation,
                json.dumps([list(s) for s in verdict.spans]),
                verdict.source.value if verdict.source else None,
                status,
                event_id,
                iso_utc(self._now()),
            ),
        ).fetchone()
        if status == "pending":
            self.adjust_pending(message_row_id, +1)
        return int(row[0])

    def adjust_pending(self, message_row_id: int, delta: int) -> None:
        self._raw.execute(
            "UPDATE contacts SET pending_count = MAX(0, pending_count + ?) "
            "WHERE id = (SELECT contact_id FROM messages WHERE id = ?)",
            (delta, message_row_id),
        )

    # the ledger ---------------------------------------------------------------------------------
    def _chain_head(self) -> tuple[int, str]:
        if self._head is None:
            row = self._raw.execute("SELECT id, hash FROM consent_events ORDER BY id DESC LIMIT 1").fetchone()
            self._head = (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)
        return self._head

    def append_event(self, ev: NewConsentEvent) -> ConsentEventRecord | None:
        """Append a hash-chained ledger row and update the cached state; None if dedupe_key was seen."""
        if ev.category not in self._categories:
            raise ValueError(f"unknown consent category {ev.category!r}; add it first")
        if not ev.contact_key:
            raise ValueError("a consent event needs a contact key")
        head_id, head_hash = self._chain_head()
        recorded_at = self._now()
        fields: dict[str, object] = {
            "id": head_id + 1,
            "contact_key": ev.contact_key,
            "category": ev.category,
            "action": ConsentAction(ev.action).value,
            "occurred_at": iso_utc(ev.occurred_at),
            "recorded_at": iso_utc(recorded_at),
            "source": EventSource(ev.source).value,
            "decided_by": ev.decided_by,
            "evidence_message_id": ev.evidence_message_id,
            "evidence_text": ev.evidence_text,
            "note": ev.note,
            "dedupe_key": ev.dedupe_key,
        }
        digest = event_hash(head_hash, fields)
        if self._sign is None:  # an opt-out is recorded even without the key: unsigned, and verify says so
            inserted = self._raw.execute(_INSERT_PLAIN, (*fields.values(), head_hash, digest)).rowcount
        else:
            row = (*fields.values(), head_hash, digest, self._sign(digest))
            inserted = self._raw.execute(_INSERT_SIGNED, row).rowcount
        if not inserted:
            return None  # this dedupe_key was appended before: the chain head stays where it was
        self._head = (head_id + 1, digest)
        self._update_state(fields, iso_utc(resolution_time(ev.occurred_at, recorded_at)))
        record = ConsentEventRecord(
            id=head_id + 1,
            contact_key=ev.contact_key,
            category=ev.category,
            action=ConsentAction(ev.action),
            occurred_at=ev.occurred_at,
            recorded_at=recorded_at,
            source=EventSource(ev.source),
            decided_by=ev.decided_by,
            evidence_message_id=ev.evidence_message_id,
            evidence_text=ev.evidence_text,
            note=ev.note,
        )
        self.appended.append(record)
        return record

    def _update_state(self, fields: dict[str, object], since: str) -> None:
        """Upsert the cached state only if this event supersedes it (domain.consent.supersedes, in SQL).

        `since` is the event's resolution time (its time, never later than its recording), as in rebuild.
        """
        key = str(fields["contact_key"])
        changed = self._raw.execute(
            _UPSERT_STATE_SQL,
            (
                key,
                fields["category"],
                state_of(str(fields["action"])),
                since,
                fields["source"],
                fields["id"],
                fields["recorded_at"],
            ),
        ).rowcount
        if not changed:
            return
        kind = ContactKind.PHONE if is_e164(key) else ContactKind.USER_ID
        # One statement: create the contact if needed, and touch its row only when the flag changes.
        self._raw.execute(
            "INSERT INTO contacts(key, kind, created_at, unread_count, pending_count, opted_out) "
            "VALUES (?1, ?2, ?3, 0, 0, EXISTS(SELECT 1 FROM consent_state WHERE contact_key = ?1 "
            "AND +state = ?4)) ON CONFLICT(key) DO UPDATE SET opted_out = excluded.opted_out "
            "WHERE contacts.opted_out IS NOT excluded.opted_out",
            (key, kind.value, fields["recorded_at"], OPTED_OUT),
        )

    def carry_over(
        self, old_key: str, new_key: str, occurred_at: datetime, dedupe_key: str, evidence: str | None = None
    ) -> list[ConsentEventRecord]:
        """A customer changed number: their current opt-outs become new ledger events on the new number."""
        rows = self._raw.execute(
            "SELECT category FROM consent_state WHERE contact_key = ? AND +state = ? ORDER BY category",
            (old_key, OPTED_OUT),
        ).fetchall()
        self._ensure_contact_key(new_key)
        carried = []
        for (category,) in rows:
            record = self.append_event(
                NewConsentEvent(
                    contact_key=new_key,
                    category=category,
                    action=ConsentAction.OPT_OUT,
                    occurred_at=occurred_at,
                    source=EventSource.NUMBER_CHANGE,
                    decided_by="customer",
                    note=f"carried over from {old_key}" + (f"; {evidence}" if evidence else ""),
                    dedupe_key=f"{dedupe_key}:{category}",
                )
            )
            if record is not None:
                carried.append(record)
        return carried

    # small durable values -----------------------------------------------------------------------
    def set_cursor(self, name: str, value: str) -> None:
        self._raw.execute(
            "INSERT INTO cursors(name, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (name, value, iso_utc(self._now())),
        )

    def mark_confirmation(
        self, event_id: int, provider_message_id: str | None, sent_at: datetime | None, status: str | None
    ) -> None:
        self._raw.execute(
            "INSERT INTO event_confirmations(event_id, provider_message_id, sent_at, status, status_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id) DO UPDATE SET "
            "provider_message_id = excluded.provider_message_id, sent_at = excluded.sent_at, "
            "status = excluded.status, status_at = excluded.status_at",
            (
                event_id,
                provider_message_id,
                iso_utc(sent_at) if sent_at else None,
                status,
                iso_utc(self._now()),
            ),
        )

    # review decisions (used by ConsentBook.resolve/reverse/reopen) ------------------------------
    def detection_for_decision(self, det_id: int) -> dict[str, Any]:
        row = self._raw.execute(
            "SELECT d.id, d.status, d.kind, d.scope, d.source, d.event_id, d.message_id, m.occurred_at, "
            "m.provider_message_id, m.text, c.key FROM detections d JOIN messages m ON m.id = d.message_id "
            "JOIN contacts c ON c.id = m.contact_id WHERE d.id = ?",
            (det_id,),
        ).fetchone()
        if row is None:
            raise KeyError(f"no detection {det_id}")
        names = (
            "id",
            "status",
            "kind",
            "scope",
            "source",
            "event_id",
            "message_id",
            "occurred_at",
            "provider_message_id",
            "text",
            "contact_key",
        )
        return dict(zip(names, row, strict=True))

    def consent_states(self, contact_key: str) -> dict[str, CategoryState]:
        """The contact's current state per category, as this transaction sees it."""
        rows = self._raw.execute(
            "SELECT category, state, since, source, event_id FROM consent_state WHERE contact_key = ?",
            (contact_key,),
        ).fetchall()
        return {
            str(row[0]): CategoryState(str(row[0]), str(row[1]), parse_iso(row[2]), row[3], row[4])
            for row in rows
        }

    def category_names(self) -> tuple[str, ...]:
        return tuple(sorted(self._categories))

    def supersede_pending_opt_outs(self, contact_key: str, correction_sent_at: datetime) -> int:
        """A correction ("sorry, wrong chat, START") closes the customer's earlier, undecided STOPs.

        Nothing was applied for a pending request, so nothing needs reversing: it is dismissed as
        decided by the customer, and the correction itself waits for the owner as usual.
        """
        pending = self._raw.execute(
            "SELECT d.id, d.message_id FROM detections d JOIN messages m ON m.id = d.message_id "
            "JOIN contacts c ON c.id = m.contact_id "
            "WHERE d.status = 'pending' AND d.kind = 'opt_out' AND c.key = ? AND m.occurred_at <= ?",
            (contact_key, iso_utc(correction_sent_at)),
        ).fetchall()
        for det_id, message_id in pending:
            self.set_detection_status(int(det_id), "dismissed", decided_by=SUPERSEDED_BY_CUSTOMER)
            self.adjust_pending(int(message_id), -1)
        return len(pending)

    def set_detection_status(
        self, det_id: int, status: str, *, decided_by: str | None, event_id: int | None = None
    ) -> None:
        if status not in DETECTION_STATUSES:
            raise ValueError(f"unknown detection status {status!r}")
        self._raw.execute(
            "UPDATE detections SET status = ?, decided_by = ?, decided_at = ?, "
            "event_id = COALESCE(?, event_id) WHERE id = ?",
            (status, decided_by, iso_utc(self._now()) if decided_by else None, event_id, det_id),
        )

    def event_row(self, event_id: int) -> dict[str, Any] | None:
        row = self._raw.execute(
            "SELECT id, contact_key, category, action, occurred_at FROM consent_events WHERE id = ?",
            (event_id,),
        ).fetchone()
        return (
            None
            if row is None
            else dict(zip(("id", "contact_key", "category", "action", "occurred_at"), row, strict=True))
        )

    def mark_read(self, contact_key: str) -> None:
        self._raw.execute("UPDATE contacts SET unread_count = 0 WHERE key = ?", (contact_key,))

    def add_category(self, name: str) -> None:
        self._raw.execute(
            "INSERT INTO categories(name, builtin, created_at) VALUES (?, 0, ?) ON CONFLICT(name) DO NOTHING",
            (name, iso_utc(self._now())),
        )


if TYPE_CHECKING:  # mypy proves a unit of work is what the services expect of it
    _UOW_PORT: type[UnitOfWorkPort] = UnitOfWork
