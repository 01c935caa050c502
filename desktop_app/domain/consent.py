"""Pure consent rules: state from events by occurred_at, the may-send answer, the ledger hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from desktop_app.domain.event_time import resolution_time
from desktop_app.domain.model import ALL, CategoryState, ConsentAction, ConsentEventRecord, Decision

OPTED_OUT = "opted_out"
OPTED_IN = "opted_in"
UNKNOWN = "unknown"
GENESIS_HASH = "0" * 64

_STATE_OF_ACTION = {ConsentAction.OPT_OUT: OPTED_OUT, ConsentAction.OPT_IN: OPTED_IN}


def state_of(action: ConsentAction | str) -> str:
    return _STATE_OF_ACTION[ConsentAction(action)]


def iso_utc(moment: datetime) -> str:
    """Fixed-width UTC text: sorts like time, and hashes the same on every machine."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: consent times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")  # 2026-01-05T12:00:00.000000+00:00


def parse_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def supersedes(
    occurred_at: str, event_id: int, current_occurred_at: str | None, current_id: int | None
) -> bool:
    """Whether an event replaces the current state: later customer time wins, ties go to the later row.

    Arrival order does not matter: a late-delivered opt-in that happened before an opt-out loses.
    """
    if current_occurred_at is None or current_id is None:
        return True
    return (occurred_at, event_id) > (current_occurred_at, current_id)


def derive_states(events: Iterable[ConsentEventRecord]) -> dict[str, CategoryState]:
    """Each category's state from its ledger events alone (the definition `rebuild` implements in SQL).

    Events compete by resolution time (never later than when they were recorded), then ledger order.
    """
    best: dict[str, tuple[str, ConsentEventRecord]] = {}
    for event in events:
        when = iso_utc(resolution_time(event.occurred_at, event.recorded_at))
        current = best.get(event.category)
        if current is None or supersedes(when, event.id, current[0], current[1].id):
            best[event.category] = (when, event)
    return {
        category: CategoryState(category, state_of(ev.action), parse_iso(when), ev.source.value, ev.id)
        for category, (when, ev) in best.items()
    }


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(" ", "minutes")[:16] + " UTC" if moment else "an unknown time"


def decide(states: Mapping[str, CategoryState], category: str) -> Decision:
    """The gate: an opt-out of `all` or of the category itself blocks; anything else is allowed."""
    everything = states.get(ALL)
    if everything is not None and everything.state == OPTED_OUT:
        return Decision(
            False,
            f"opted out of all messages on {_when(everything.since)} (via {everything.source})",
            everything.since,
            everything.event_id,
        )
    own = states.get(category)
    if own is not None and own.state == OPTED_OUT:
        return Decision(
            False,
            f"opted out of {category} on {_when(own.since)} (via {own.source})",
            own.since,
            own.event_id,
        )
    if own is not None and own.state == OPTED_IN:
        return Decision(True, f"opted in to {category} since {_when(own.since)}", own.since, own.event_id)
    if everything is not None and everything.state == OPTED_IN:
        return Decision(
            True, f"opted in since {_when(everything.since)}", everything.since, everything.event_id
        )
    return Decision(True, "no opt-out on record")


def effective_may_send(states: Mapping[str, CategoryState], categories: Iterable[str]) -> dict[str, bool]:
    return {category: decide(states, category).allowed for category in categories}


def event_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """sha256 over the previous row's hash and this row's canonical JSON: editing any row breaks the chain."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


# The ledger columns the hash covers, in the order they are stored.
HASHED_FIELDS: tuple[str, ...] = (
    "id",
    "contact_key",
    "category",
    "action",
    "occurred_at",
    "recorded_at",
    "source",
    "decided_by",
    "evidence_message_id",
    "evidence_text",
    "note",
    "dedupe_key",
)
