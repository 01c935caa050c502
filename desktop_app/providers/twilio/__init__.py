"""Twilio's WhatsApp API: REST client, message parsing, signature checks, polling cursor, sender."""

from __future__ import annotations

from desktop_app.providers.twilio.client import MessagePage, TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.cursor import PollCursor, PollWindow
from desktop_app.providers.twilio.errors import TwilioError, TwilioErrorKind
from desktop_app.providers.twilio.parsing import parse_message, parse_webhook_form
from desktop_app.providers.twilio.provider import TwilioProvider
from desktop_app.providers.twilio.signature import is_valid_signature, twilio_signature

__all__ = [
    "MessagePage",
    "PollCursor",
    "PollWindow",
    "TwilioClient",
    "TwilioCredentials",
    "TwilioError",
    "TwilioErrorKind",
    "TwilioProvider",
    "is_valid_signature",
    "parse_message",
    "parse_webhook_form",
    "twilio_signature",
]
