"""The connection settings' fields: where the owner finds each value, and whether what was typed fits."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = re.compile(r"\d{5,25}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


@dataclass(frozen=True, slots=True)
class FieldHelp:
    label: str
    where: str  # where in Meta's, Twilio's or ngrok's console the value is


HELP = {
    "meta_app_id": FieldHelp(
        "App ID", "developers.facebook.com → My Apps → your app: the App ID at the top (digits)"
    ),
    "meta_waba_id": FieldHelp(
        "WhatsApp Business Account ID",
        "developers.facebook.com → your app → WhatsApp → API Setup → “WhatsApp Business Account ID”",
    ),
    "meta_phone_number_id": FieldHelp(
        "Phone number ID (optional)",
        "Optional: API Setup → “Phone number ID”. Empty = reply from the number the customer wrote to",
    ),
    "meta.access_token": FieldHelp(
        "Access token",
        "business.facebook.com → Settings → System users → Generate token (never expires)",
    ),
    "meta.app_secret": FieldHelp(
        "App Secret", "developers.facebook.com → your app → App settings → Basic → App Secret → Show"
    ),
    "meta.verify_token": FieldHelp(
        "Verify token", "Any phrase you choose (or press “Make one for me”); the app gives it to Meta itself"
    ),
    "ngrok.authtoken": FieldHelp(
        "ngrok authtoken", "dashboard.ngrok.com (free account) → Getting Started → Your Authtoken"
    ),
    "ngrok_domain": FieldHelp(
        "ngrok static domain",
        "dashboard.ngrok.com → Universal Gateway → Domains: your free domain, like shop.ngrok-free.app",
    ),
    "twilio_from": FieldHelp(
        "WhatsApp sender",
        "console.twilio.com → Messaging → Senders → WhatsApp senders: the number, like +15550100100",
    ),
    "twilio.account_sid": FieldHelp("Account SID", "console.twilio.com → Account info (starts with AC)"),
    "twilio.api_key": FieldHelp(
        "API key SID", "console.twilio.com → Account → API keys → Create (starts with SK); recommended"
    ),
    "twilio.api_secret": FieldHelp("API key secret", "Shown once when you create the API key"),
    "twilio.auth_token": FieldHelp(
        "Auth token", "console.twilio.com → Account info → Auth token (if you use no API key)"
    ),
}


def _numeric_id(value: str, what: str) -> str | None:
    if not value or _DIGITS.fullmatch(value):
        return None
    return f"The {what} is only digits, like 106540352242922 — not “{value}”."


def problem(field: str, value: str) -> str | None:
    """What is wrong with `value` for `field` (one sentence), or None when it fits (empty fits)."""
    value = value.strip()
    if field in ("meta_app_id", "meta_waba_id", "meta_phone_number_id"):
        return _numeric_id(value, HELP[field].label.removesuffix(" (optional)"))
    if field == "twilio_from":
        number = value.removeprefix("whatsapp:")
        if not value or _E164.fullmatch(number):
            return None
        return (
            f"The sender is “+” then the country code and number, digits only, like +15550100100 — "
            f"not “{value}”."
        )
    if field == "twilio.account_sid":
        return (
            None
            if not value or re.fullmatch(r"AC[0-9a-fA-F]{32}", value)
            else ("An Account SID is AC followed by 32 letters and digits.")
        )
    if field == "twilio.api_key":
        return (
            None
            if not value or re.fullmatch(r"SK[0-9a-fA-F]{32}", value)
            else ("An API key SID is SK followed by 32 letters and digits.")
        )
    if field == "ngrok_domain":
        domain = value.lower().removeprefix("https://").rstrip("/")
        if not value or _DOMAIN.fullmatch(domain):
            return None
        return f"A domain looks like shop.ngrok-free.app — not “{value}”."
    if field in ("meta.access_token", "meta.app_secret", "ngrok.authtoken") and value and " " in value:
        return "It has a space in it: copy it again, without spaces."
    return None


def normalised_sender(value: str) -> str:
    """'+15550100100' -> 'whatsapp:+15550100100' (the form Twilio's API wants)."""
    value = value.strip()
    return value if not value or value.startswith("whatsapp:") else f"whatsapp:{value}"
