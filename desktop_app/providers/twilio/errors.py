"""Twilio's error answers, sorted into the few kinds the app reacts to differently."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# Twilio error codes the app treats specially (https://www.twilio.com/docs/api/errors/<code>).
AUTHENTICATE = 20003
NOT_FOUND = 20404
TOO_MANY_REQUESTS = 20429
UNSUBSCRIBED_RECIPIENT = 21610
INVALID_TO_NUMBER = 21211
FROM_NOT_VALID = 21606  # the From number is not a sender of this account
OUTSIDE_WINDOW = 63016
CHANNEL_NOT_FOUND = 63007  # the From address is not a WhatsApp sender of this account
BLOCKED_BY_USER = 63014


class TwilioErrorKind(StrEnum):
    AUTH = "auth"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    NETWORK = "network"
    OPTED_OUT = "opted_out"
    OUTSIDE_WINDOW = "outside_window"
    NOT_WHATSAPP_SENDER = "not_whatsapp_sender"
    BAD_REQUEST = "bad_request"
    BAD_RESPONSE = "bad_response"


class TwilioError(Exception):
    """One failed Twilio request. The message is safe to show and to log: it never holds a secret."""

    def __init__(
        self,
        kind: TwilioErrorKind,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.http_status = http_status
        self.code = code
        self.retry_after = retry_after
        self.auth_hint = "the API Key SID and Secret"  # the client names the credentials it used

    @property
    def retryable(self) -> bool:
        """A 429 is never processed and a 5xx or a dropped line may pass next time."""
        return self.kind in (TwilioErrorKind.RATE_LIMITED, TwilioErrorKind.SERVER, TwilioErrorKind.NETWORK)

    def owner_message(self) -> str:
        """One plain sentence for the owner: what went wrong and what to do."""
        status = f" ({self.http_status})" if self.http_status else ""
        if self.kind is TwilioErrorKind.AUTH:
            return f"Twilio rejected the credentials{status}. Check {self.auth_hint}."
        if self.kind is TwilioErrorKind.NOT_FOUND:
            return f"Twilio does not know this Account SID{status}. Check the Account SID."
        if self.kind is TwilioErrorKind.RATE_LIMITED:
            return "Twilio asked us to slow down (too many requests, 429)."
        if self.kind is TwilioErrorKind.SERVER:
            return f"Twilio is having trouble{status}."
        if self.kind is TwilioErrorKind.NETWORK:
            return "Cannot reach Twilio. Check the internet connection."
        if self.kind is TwilioErrorKind.NOT_WHATSAPP_SENDER:
            return (
                "This number is not a WhatsApp sender on your Twilio account. "
                "Check the 'From' number (whatsapp:+...)."
            )
        if self.kind is TwilioErrorKind.OPTED_OUT:
            return "Twilio blocked the message: this customer unsubscribed (error 21610)."
        if self.kind is TwilioErrorKind.OUTSIDE_WINDOW:
            return (
                "Outside WhatsApp's 24-hour window: only an approved template can be sent now (error 63016)."
            )
        parts = [f"error {self.code}"] if self.code else []
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        detail = ", ".join(parts) or "no details"
        return f"Twilio refused the request ({detail}): {self.message}"


def error_from_response(http_status: int, body: Any, retry_after: float | None = None) -> TwilioError:
    """Build the error from Twilio's JSON error shape {code, message, more_info, status}."""
    code: int | None = None
    message = f"HTTP {http_status}"
    if isinstance(body, dict):
        raw_code = body.get("code")
        if isinstance(raw_code, int) or (isinstance(raw_code, str) and raw_code.isdigit()):
            code = int(raw_code)
        if isinstance(body.get("message"), str):
            message = body["message"]
    return TwilioError(
        classify(http_status, code), message, http_status=http_status, code=code, retry_after=retry_after
    )


def classify(http_status: int, code: int | None) -> TwilioErrorKind:
    by_code = {
        AUTHENTICATE: TwilioErrorKind.AUTH,
        TOO_MANY_REQUESTS: TwilioErrorKind.RATE_LIMITED,
        UNSUBSCRIBED_RECIPIENT: TwilioErrorKind.OPTED_OUT,
        OUTSIDE_WINDOW: TwilioErrorKind.OUTSIDE_WINDOW,
        CHANNEL_NOT_FOUND: TwilioErrorKind.NOT_WHATSAPP_SENDER,
        FROM_NOT_VALID: TwilioErrorKind.NOT_WHATSAPP_SENDER,
        NOT_FOUND: TwilioErrorKind.NOT_FOUND,
    }
    if code in by_code:
        return by_code[code]
    if http_status in (401, 403):
        return TwilioErrorKind.AUTH
    if http_status == 429:
        return TwilioErrorKind.RATE_LIMITED
    if http_status >= 500:
        return TwilioErrorKind.SERVER
    if http_status == 404:
        return TwilioErrorKind.NOT_FOUND
    return TwilioErrorKind.BAD_REQUEST
