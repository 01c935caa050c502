"""Phone numbers in any spelling -> one E.164 contact key (phonenumbers does the parsing)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers

from desktop_app.domain.model import ContactKind, ContactRef

_PROVIDER_PREFIXES = ("whatsapp:", "tel:", "sms:")
_SEPARATORS = re.compile(r"[\s().\-/]+")
_LETTER = re.compile(r"[^\W\d_]")  # any script's letters: phonenumbers would turn them into keypad digits
# Meta's business-scoped user id: two-letter country, a dot, optionally "ENT.", then up to 128 letters/digits
_USER_ID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$")


_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "no digits that form a number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


class PhoneNumberError(ValueError):
    """A number we refuse to store: unparseable, or impossible for its country."""


@dataclass(frozen=True, slots=True)
class NormalizedContact:
    key: str
    kind: ContactKind
    warning: str | None = None  # e.g. "possible but not a valid number for its country"


def _strip_prefix(raw: str) -> str:
    text = raw.strip()
    lowered = text.lower()
    for prefix in _PROVIDER_PREFIXES:
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@functools.lru_cache(maxsize=65536)
def normalize_phone(
    raw: str, default_region: str | None = "US", *, authoritative: bool = False
) -> NormalizedContact:
    """Return the E.164 key for `raw`, or raise PhoneNumberError with a message a person can act on.

    Authoritative numbers (delivered by WhatsApp or the provider) are accepted when merely possible:
    Meta's own +1 555 test numbers are possible but not valid. Typed or imported numbers that are
    possible but not valid are accepted with a warning.
    """
    if raw is None or not str(raw).strip():
        raise PhoneNumberError("empty phone number")
    text = _strip_prefix(str(raw))
    if _LETTER.search(text):
        raise PhoneNumberError(f"{raw!r} is not a phone number (it contains letters; use digits only)")
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00") and compact[2:].isdigit():
        compact = "+" + compact[2:]  # international call prefix used in most of the world
    elif authoritative and compact.isdigit():
        compact = "+" + compact  # WhatsApp wa_id: full international digits without '+'
    region = None if compact.startswith("+") else (default_region or None)
    if region is None and not compact.startswith("+"):
        raise PhoneNumberError(f"{raw!r} has no country code and no default region is configured")
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as exc:
        why = _PARSE_ERRORS.get(exc.error_type, "unreadable")
        raise PhoneNumberError(f"{raw!r} is not a phone number ({why})") from exc
    if not phonenumbers.is_possible_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        why = {
            phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
            phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length",
        }.get(reason, "impossible")
        raise PhoneNumberError(f"{raw!r} is not a possible phone number ({why})")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    warning = None
    if not authoritative and not phonenumbers.is_valid_number(number):
        warning = f"{e164} is possible but not a valid number for its country; check it was typed right"
    return NormalizedContact(e164, ContactKind.PHONE, warning)


def normalize_ref(
    ref: ContactRef, default_region: str | None, *, authoritative: bool = True
) -> NormalizedContact:
    """Normalise a provider's contact reference: phone numbers to E.164, user ids kept as given."""
    if ref.kind is ContactKind.USER_ID:
        key = (ref.key or "").strip()
        if not key:
            raise PhoneNumberError("empty WhatsApp user id")
        return NormalizedContact(key, ContactKind.USER_ID)
    return normalize_phone(ref.key, default_region, authoritative=authoritative)


def is_user_id(text: str) -> bool:
    """A WhatsApp business-scoped user id such as US.13491208655302741918 (or US.ENT.118...)."""
    return bool(_USER_ID.match(text))


def typed_contact_key(raw: str, default_region: str | None) -> str:
    """The contact key for what a person typed: a user id as it stands, else a phone number's E.164.

    Anything else (a name, "hello", "555-abc-1234") raises PhoneNumberError: a typo must never be
    taken for a contact nobody opted out, which would read "may send".
    """
    text = (raw or "").strip()
    if is_e164(text) or is_user_id(text):
        return text
    if _LETTER.search(_strip_prefix(text)):
        raise PhoneNumberError(
            f"{raw!r} is neither a phone number (digits only) nor a WhatsApp user id "
            "(like US.13491208655302741918)"
        )
    return normalize_phone(text, default_region).key


def is_e164(text: str) -> bool:
    """Cheap check used on the hot path: already a key we produced, no parsing needed."""
    return len(text) > 2 and text[0] == "+" and text[1:].isdigit()
