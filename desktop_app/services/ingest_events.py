"""What one inbound event becomes in the ingest pipeline: its verdict, its bounded time, its consent event."""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop_app.domain.event_time import bound_event_time
from desktop_app.domain.model import (
    ALL,
    MARKETING,
    ConsentAction,
    ConsentEventRecord,
    ContactKind,
    ContactRef,
    EventSource,
    InboundMessage,
    IngestResult,
    MessageKind,
    NewConsentEvent,
    NumberChange,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
    Verdict,
)
from desktop_app.domain.phone import normalize_ref

if TYPE_CHECKING:
    from desktop_app.domain.detection import Detector

# Messages whose words can carry a request; reactions, system notices and welcomes cannot.
CLASSIFIED_KINDS = frozenset(
    {
        MessageKind.TEXT,
        MessageKind.BUTTON,
        MessageKind.INTERACTIVE,
        MessageKind.IMAGE,
        MessageKind.VIDEO,
        MessageKind.DOCUMENT,
    }
)
# Send errors that are the platform telling us the customer opted out: (provider, code) -> scope.
OPT_OUT_SEND_ERRORS: dict[tuple[str, int], tuple[str, EventSource]] = {
    ("meta", 131050): (MARKETING, EventSource.SEND_ERROR_131050),
    ("twilio", 21610): (ALL, EventSource.TWILIO_ERROR_21610),
}
EXACT_RULE_PREFIX = "button:"
# What one event's bad data raises; its savepoint is undone and it is kept unparsed. Anything else
# (a locked or full book, a closed connection, a bug) fails the batch, so the sender delivers it again.
BAD_EVENT_ERRORS: tuple[type[Exception], ...] = (
    ValueError,  # impossible numbers, unknown categories, unencodable text
    KeyError,
    TypeError,
    OverflowError,
    sqlite3.IntegrityError,  # a constraint the provider's data broke
    sqlite3.DataError,  # a value too big to store
)
TimedEvent = InboundMessage | StatusUpdate | PreferenceChange | NumberChange


@dataclass(frozen=True, slots=True)
class Arrival:
    """A customer's message just stored, for the chat journeys to answer after the commit."""

    contact_key: str
    message: InboundMessage
    verdict: Verdict | None


@dataclass(slots=True)
class Batch:
    result: IngestResult = field(default_factory=IngestResult)
    confirmations: list[tuple[ConsentEventRecord, str | None]] = field(default_factory=list)
    arrivals: list[Arrival] = field(default_factory=list)
    touched: dict[str, None] = field(default_factory=dict)  # ordered set
    opting_out: dict[str, None] = field(default_factory=dict)

    def absorb(self, one: Batch) -> None:
        """Add what one event did (only once its savepoint is released)."""
        mine, theirs = self.result, one.result
        mine.stored_messages += theirs.stored_messages
        mine.duplicates += theirs.duplicates
        mine.statuses += theirs.statuses
        mine.unparsed += theirs.unparsed
        mine.detections.extend(theirs.detections)
        mine.applied_event_ids.extend(theirs.applied_event_ids)
        self.confirmations.extend(one.confirmations)
        self.arrivals.extend(one.arrivals)
        self.touched.update(one.touched)
        self.opting_out.update(one.opting_out)


def filed_at_bounded_time(event: ProviderEvent, received_at: datetime) -> tuple[ProviderEvent, str | None]:
    """The event with its time bounded by its receipt (domain.event_time), and a note when it was replaced.

    The provider's original time stays in the stored raw payload and in the note.
    """
    if not isinstance(event, TimedEvent):
        return event, None
    bounded = bound_event_time(event.occurred_at, received_at)
    if not bounded.replaced:
        return event, None
    return dataclasses.replace(event, occurred_at=bounded.at), f"event time: {bounded.reason}"


def joined(note: str | None, extra: str | None) -> str | None:
    return "; ".join(part for part in (note, extra) if part) or None


def described(event: ProviderEvent) -> str:
    """'meta StatusUpdate wamid.X', for a log line."""
    ident = getattr(event, "provider_message_id", None) or getattr(event, "dedupe_key", None) or ""
    return f"{provider_of(event)} {type(event).__name__} {ident}".rstrip()


def provider_of(event: ProviderEvent) -> str:
    return str(getattr(event, "provider", "unknown"))


def raw_of(event: ProviderEvent) -> Any:
    raw = getattr(event, "raw", None)
    return raw if raw is not None else repr(event)


def classify_event(detector: Detector, event: ProviderEvent) -> Verdict | None:
    """The detector's verdict for a message whose words can carry a request; None otherwise."""
    if not isinstance(event, InboundMessage) or event.kind not in CLASSIFIED_KINDS:
        return None
    if not (event.text or event.button_payload or event.button_text):
        return None
    return detector.classify(
        event.text or "", button_payload=event.button_payload, button_text=event.button_text
    )


@functools.lru_cache(maxsize=4096)
def normalized_key(key: str, kind: ContactKind, region: str) -> str:
    return normalize_ref(ContactRef(key, kind), region, authoritative=True).key


def correction_explanation(closed_pending: bool, *, applied: bool) -> str:
    """What the owner reads about a customer taking back their STOP (the detection's explanation)."""
    if applied:
        return "They took back their stop request; automatic mode opted them in again."
    if closed_pending:
        return "They took back their stop request, so it was closed; confirm to record them as opted in."
    return "They took back an earlier stop request; confirm to record them as opted in again."


def event_from_verdict(
    key: str, msg: InboundMessage, verdict: Verdict, exact: bool, time_note: str | None
) -> NewConsentEvent:
    return NewConsentEvent(
        contact_key=key,
        category=verdict.scope or ALL,
        action=ConsentAction(verdict.kind.value),
        occurred_at=msg.occurred_at,
        source=verdict.source or (EventSource.BUTTON if exact else EventSource.KEYWORD),
        decided_by="customer" if exact else f"auto:{verdict.rule}",
        evidence_message_id=msg.provider_message_id,
        evidence_text=msg.text or msg.button_text,
        note=time_note,
        dedupe_key=f"{msg.provider}:message:{msg.provider_message_id}",
    )


def event_from_send_refusal(
    key: str, status: StatusUpdate, category: str, source: EventSource, time_note: str | None
) -> NewConsentEvent:
    """A provider refused a send because the customer opted out (Twilio 21610, Meta 131050)."""
    return NewConsentEvent(
        contact_key=key,
        category=category,
        action=ConsentAction.OPT_OUT,
        occurred_at=status.occurred_at,
        source=source,
        decided_by="customer",
        evidence_message_id=status.provider_message_id,
        evidence_text=status.error_title,
        note=joined(f"send refused with error {status.error_code}", time_note),
        dedupe_key=f"{status.provider}:send-error:{status.provider_message_id}",
    )


def event_from_preference(key: str, pref: PreferenceChange, time_note: str | None) -> NewConsentEvent:
    """WhatsApp's own Stop / Resume option (Meta user_preferences), as the customer's explicit choice."""
    return NewConsentEvent(
        contact_key=key,
        category=pref.category,
        action=pref.action,
        occurred_at=pref.occurred_at,
        source=EventSource.META_PREFERENCE,
        decided_by="customer",
        evidence_text=pref.detail,
        note=time_note,
        dedupe_key=pref.dedupe_key,
    )
