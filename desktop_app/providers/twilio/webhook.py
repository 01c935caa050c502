"""What Twilio's inbound webhook must do, independent of any HTTP server: check the signature, parse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from desktop_app.domain.model import ContactRef, ProviderEvent, StatusUpdate
from desktop_app.providers.twilio.parsing import PROVIDER, parse_webhook_form, strip_channel
from desktop_app.providers.twilio.signature import is_valid_signature

# An empty TwiML answer: we take the message in and reply (if at all) through the REST API.
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True, slots=True)
class TwilioDelivery:
    events: list[ProviderEvent] | None = None
    rejection: int | None = None  # the HTTP status to answer instead
    detail: str = ""


def check_twilio_delivery(
    public_url: str, body: bytes, signature: str | None, auth_token: str, received_at: datetime
) -> TwilioDelivery:
    """Signature over the public URL and the form fields first, then parsing; never raises."""
    if not signature:
        return TwilioDelivery(rejection=401, detail="X-Twilio-Signature missing")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return TwilioDelivery(rejection=400, detail="body is not a URL-encoded form")
    if not is_valid_signature(public_url, pairs, signature, auth_token):
        return TwilioDelivery(
            rejection=403, detail="X-Twilio-Signature does not match (check the public URL)"
        )
    form = dict(pairs)
    status = form.get("MessageStatus")
    if status and status != "received" and form.get("MessageSid"):
        return TwilioDelivery(events=[_status_callback(form, status, received_at)])
    return TwilioDelivery(events=[parse_webhook_form(form, received_at)])


def _status_callback(form: dict[str, str], status: str, received_at: datetime) -> StatusUpdate:
    """A status callback for a message we sent (sent, delivered, read, failed + ErrorCode)."""
    code = form.get("ErrorCode") or ""
    return StatusUpdate(
        provider=PROVIDER,
        provider_message_id=form["MessageSid"],
        recipient=ContactRef(strip_channel(form.get("To", ""))),
        status=status,
        occurred_at=received_at.astimezone(UTC),
        error_code=int(code) if code.isdigit() else None,
        error_title=form.get("ErrorMessage") or None,
        raw=form,
    )
