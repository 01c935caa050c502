"""Twilio's message JSON (REST) and webhook form fields turned into the app's domain events."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from desktop_app.domain.event_time import UNREADABLE_TIME, read_claimed_time
from desktop_app.domain.model import (
    ContactRef,
    InboundMessage,
    MessageKind,
    ProviderEvent,
    StatusUpdate,
    UnparsedPayload,
)
from desktop_app.providers.twilio.errors import UNSUBSCRIBED_RECIPIENT

PROVIDER = "twilio"
CHANNEL_PREFIX = "whatsapp:"


def strip_channel(address: str) -> str:
    """`whatsapp:+15550100100` -> `+15550100100`; other addresses are returned trimmed."""
    address = address.strip()
    if address.lower().startswith(CHANNEL_PREFIX):
        return address[len(CHANNEL_PREFIX) :].strip()
    return address


def whatsapp_address(number: str) -> str:
    """`+15550100100` (or an address already carrying the prefix) -> `whatsapp:+15550100100`."""
    return CHANNEL_PREFIX + strip_channel(number)


def is_whatsapp_address(address: str) -> bool:
    """`whatsapp:+` followed by a plausible international number."""
    number = strip_channel(address)
    return address.strip().lower().startswith("whatsapp:+") and number[1:].isdigit() and len(number) >= 8


def parse_twilio_time(value: Any) -> datetime | None:
    """Twilio's RFC 2822 GMT timestamps ("Thu, 24 Aug 2023 05:01:45 +0000") as aware UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _claimed_time(value: Any) -> datetime | None:
    """RFC 2822 as Twilio documents it; epoch numbers or ISO text tolerated."""
    return parse_twilio_time(value) or read_claimed_time(value)


def message_time(raw: Mapping[str, Any]) -> datetime | None:
    """When the message was sent (for inbound: when Twilio passed it on), else when it was created."""
    return _claimed_time(raw.get("date_sent")) or _claimed_time(raw.get("date_created"))


def _text(raw: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value != "":
            return value
    return None


def _media_kind(content_type: str | None) -> MessageKind:
    if not content_type:
        return MessageKind.UNKNOWN
    major = content_type.split("/", 1)[0].lower()
    return {
        "image": MessageKind.IMAGE,
        "audio": MessageKind.AUDIO,
        "video": MessageKind.VIDEO,
    }.get(major, MessageKind.DOCUMENT)


def _kind(raw: Mapping[str, Any], button_text: str | None, button_payload: str | None) -> MessageKind:
    if button_text or button_payload:
        return MessageKind.BUTTON
    num_media = str(raw.get("num_media") or raw.get("NumMedia") or "0")
    if num_media.isdigit() and int(num_media) > 0:
        return _media_kind(_text(raw, "MediaContentType0", "media_content_type"))
    if _text(raw, "Latitude") and _text(raw, "Longitude"):
        return MessageKind.LOCATION
    return MessageKind.TEXT


def parse_message(raw: Mapping[str, Any]) -> ProviderEvent | None:
    """One item of the REST Messages list. Not inbound -> None; inbound but malformed -> UnparsedPayload.

    The documented REST resource has no button fields; where a quick-reply tap's ButtonText /
    ButtonPayload are present (either spelling) they become button fields, not free text.
    """
    if raw.get("direction") != "inbound":
        return None
    sid = raw.get("sid")
    sender = raw.get("from")
    if not (isinstance(sid, str) and sid and isinstance(sender, str) and sender):
        return UnparsedPayload(PROVIDER, "inbound Twilio message without sid or from", dict(raw))
    # No readable date: the pipeline files it at its receipt rather than drop the customer's words.
    occurred_at = message_time(raw) or UNREADABLE_TIME
    button_text = _text(raw, "button_text", "ButtonText")
    button_payload = _text(raw, "button_payload", "ButtonPayload")
    to = raw.get("to")
    return InboundMessage(
        provider=PROVIDER,
        provider_message_id=sid,
        sender=ContactRef(strip_channel(sender), name=_text(raw, "profile_name", "ProfileName")),
        occurred_at=occurred_at,
        kind=_kind(raw, button_text, button_payload),
        text=_text(raw, "body") or button_text,
        button_payload=button_payload,
        button_text=button_text,
        business_number=strip_channel(to) if isinstance(to, str) else None,
        raw=dict(raw),
    )


def parse_webhook_form(form: Mapping[str, str], received_at: datetime) -> ProviderEvent:
    """Twilio's inbound webhook (form fields). It carries no timestamp, so the arrival time is used."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    sender = form.get("From")
    if not sid or not sender:
        return UnparsedPayload(PROVIDER, "Twilio webhook without MessageSid or From", dict(form))
    button_text = _text(form, "ButtonText")
    button_payload = _text(form, "ButtonPayload")
    to = form.get("To")
    return InboundMessage(
        provider=PROVIDER,
        provider_message_id=sid,
        sender=ContactRef(strip_channel(sender), name=_text(form, "ProfileName")),
        occurred_at=received_at.astimezone(UTC),
        kind=_kind(form, button_text, button_payload),
        text=_text(form, "Body") or button_text,
        button_payload=button_payload,
        button_text=button_text,
        context_message_id=_text(form, "OriginalRepliedMessageSid"),
        business_number=strip_channel(to) if to else None,
        raw=dict(form),
    )


def unsubscribed_status(to: str, attempted_at: datetime, error_message: str | None = None) -> StatusUpdate:
    """A send refused with 21610 becomes a failed status the ingest pipeline records as an opt-out.

    Twilio creates no message for a refused send, so the id is made from the recipient and time.
    """
    recipient = strip_channel(to)
    stamp = attempted_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return StatusUpdate(
        provider=PROVIDER,
        provider_message_id=f"twilio-21610:{recipient}:{stamp}",
        recipient=ContactRef(recipient),
        status="failed",
        occurred_at=attempted_at.astimezone(UTC),
        error_code=UNSUBSCRIBED_RECIPIENT,
        error_title=error_message or "Attempt to send to unsubscribed recipient",
    )
