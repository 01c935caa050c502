"""Value types shared by every layer: messages, signals, verdicts, consent events, decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

ALL = "all"
MARKETING = "marketing"
ORDER_UPDATES = "order_updates"
DEFAULT_CATEGORIES: tuple[str, ...] = (ALL, MARKETING, ORDER_UPDATES)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"  # template quick-reply button (payload + text)
    INTERACTIVE = "interactive"  # interactive button_reply / list_reply
    IMAGE = "image"
    DOCUMENT = "document"
    AUDIO = "audio"
    VIDEO = "video"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REACTION = "reaction"
    SYSTEM = "system"
    REQUEST_WELCOME = "request_welcome"
    UNSUPPORTED = "unsupported"
    UNKNOWN = "unknown"


class ConsentAction(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


class VerdictKind(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    NONE = "none"


class EventSource(StrEnum):
    """How a consent change reached us; stored verbatim in the ledger."""

    KEYWORD = "keyword"
    PHRASE = "phrase"
    BUTTON = "button"
    META_PREFERENCE = "meta_preference"
    SEND_ERROR_131050 = "send_error_131050"
    TWILIO_ERROR_21610 = "twilio_error_21610"
    MANUAL = "manual"
    IMPORT = "import"
    REVERSAL = "reversal"
    NUMBER_CHANGE = "number_change"
    PREFERENCES_PAGE = "preferences_page"  # the customer's own choice on the /p/<token> page


class ContactKind(StrEnum):
    PHONE = "phone"  # key is E.164, e.g. "+15550101234"
    USER_ID = "user_id"  # WhatsApp username-only user, key is the provider's user id


@dataclass(frozen=True, slots=True)
class ContactRef:
    """Who a message is from/to, as the provider named them (not yet normalised)."""

    key: str
    kind: ContactKind = ContactKind.PHONE
    name: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A customer's message as a provider delivered it."""

    provider: str  # "meta", "twilio", "demo"
    provider_message_id: str  # dedupe key (wamid, Twilio SID, demo id)
    sender: ContactRef
    occurred_at: datetime  # timezone-aware UTC: when the customer sent it
    kind: MessageKind = MessageKind.TEXT
    text: str | None = None  # body, caption, or button/list title
    button_payload: str | None = None
    button_text: str | None = None
    context_message_id: str | None = None  # the business message this replies to
    business_number: str | None = None  # the shop's number/phone_number_id it reached
    raw: dict[str, Any] | None = None  # provider's own JSON for this message


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """Delivery status of an outbound message (sent, delivered, read, failed)."""

    provider: str
    provider_message_id: str
    recipient: ContactRef
    status: str
    occurred_at: datetime
    error_code: int | None = None
    error_title: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PreferenceChange:
    """An exact consent signal from the platform itself (Meta user_preferences)."""

    provider: str
    contact: ContactRef
    category: str  # our category name, e.g. "marketing"
    action: ConsentAction
    occurred_at: datetime
    dedupe_key: str
    detail: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class NumberChange:
    """A customer moved WhatsApp to a new number: consent carries over."""

    provider: str
    old: ContactRef
    new: ContactRef
    occurred_at: datetime
    dedupe_key: str


@dataclass(frozen=True, slots=True)
class UnparsedPayload:
    """A signed, valid-JSON body we could not understand: kept raw, never retried."""

    provider: str
    reason: str
    raw: Any


ProviderEvent = InboundMessage | StatusUpdate | PreferenceChange | NumberChange | UnparsedPayload


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the detector decided about one message, and why."""

    kind: VerdictKind
    scope: str | None  # "all" | "marketing" | None when kind is NONE
    confidence: float  # 0..1
    auto: bool  # safe to apply without a human when automatic mode is on
    language: str | None
    rule: str  # machine id of the rule, e.g. "keyword:en:stop"
    explanation: str = ""  # one plain sentence for the owner
    spans: tuple[tuple[int, int], ...] = ()  # character ranges in the text that triggered it
    source: EventSource | None = None  # keyword / phrase / button when kind is not NONE

    @property
    def is_request(self) -> bool:
        return self.kind is not VerdictKind.NONE


NO_VERDICT = Verdict(VerdictKind.NONE, None, 0.0, False, None, "none")


@dataclass(frozen=True, slots=True)
class Decision:
    """The consent gate's answer for one outgoing message."""

    allowed: bool
    reason: str
    since: datetime | None = None
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewConsentEvent:
    """A consent change about to be appended to the ledger."""

    contact_key: str  # E.164 or user id, already normalised
    category: str
    action: ConsentAction
    occurred_at: datetime
    source: EventSource
    decided_by: str  # "auto:<rule>", "owner", "customer" (exact signals), "import:<file>"
    evidence_message_id: str | None = None
    evidence_text: str | None = None
    note: str | None = None
    dedupe_key: str | None = None  # same key twice appends once


@dataclass(frozen=True, slots=True)
class ConsentEventRecord:
    """One stored ledger row."""

    id: int
    contact_key: str
    category: str
    action: ConsentAction
    occurred_at: datetime
    recorded_at: datetime
    source: EventSource
    decided_by: str
    evidence_message_id: str | None
    evidence_text: str | None
    note: str | None
    confirmation_message_id: str | None = None
    confirmation_sent_at: datetime | None = None
    confirmation_status: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryState:
    category: str
    state: str  # "opted_out" | "opted_in" | "unknown"
    since: datetime | None = None
    source: str | None = None
    event_id: int | None = None


@dataclass(slots=True)
class IngestResult:
    """What one provider batch did, for the webhook answer, the UI and the log."""

    stored_messages: int = 0
    duplicates: int = 0
    detections: list[int] = field(default_factory=list)  # detection ids put in review
    applied_event_ids: list[int] = field(default_factory=list)
    statuses: int = 0
    unparsed: int = 0
    opt_out_contacts: list[str] = field(default_factory=list)  # keys that asked to stop (pending or applied)
    contacts_touched: list[str] = field(default_factory=list)  # keys whose conversation changed
