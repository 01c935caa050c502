"""Tolerant readers for single Cloud API fields: ids as text or numbers, contacts, error codes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MAX_CODE = 2**63 - 1  # SQLite's INTEGER; a larger "code" is not an error code anyone sends
_PHONE_PREFIXES = ("whatsapp:", "tel:")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]+")
_PHONE_DIGITS = re.compile(r"\+?\d{1,20}")  # any digits: the book judges the number itself
_USER_ID = re.compile(r"[A-Z]{2}(?:\.[A-Za-z0-9]+)+")  # business-scoped user id, e.g. US.1349120865


class ShapeError(ValueError):
    """One part of a valid JSON body has a shape we do not understand."""


def as_list(value: Any) -> list[Any] | None:
    """A list as it is, a lone object as a list of one (some senders drop the brackets), else None."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return [value]
    return None


def as_dict(value: Any) -> dict[str, Any]:
    """The object, or {} when the field is missing or not an object."""
    return dict(value) if isinstance(value, Mapping) else {}


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ShapeError(f"{what} is not an object")
    return dict(value)


def require_str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ShapeError(f"{what} is missing or not a string")
    return value


def optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def optional_id(value: Any) -> str | None:
    """An identifier (wamid, wa_id, phone_number_id, user id) sent as text or as a whole number."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def require_id(value: Any, what: str) -> str:
    ident = optional_id(value)
    if ident is None:
        raise ShapeError(f"{what} is missing or not an id")
    return ident


def phone_id(value: Any) -> str | None:
    """A wa_id or from that can be a phone number, compacted ("+1 555-0101" -> "+15550101"), else None.

    Documentation placeholders such as "<WHATSAPP_USER_PHONE_NUMBER>" are not numbers.
    """
    ident = optional_id(value)
    if ident is None:
        return None
    compact = _PHONE_SEPARATORS.sub("", ident)
    for prefix in _PHONE_PREFIXES:
        compact = compact.removeprefix(prefix)
    return compact if _PHONE_DIGITS.fullmatch(compact) else None


def looks_like_user_id(value: str) -> bool:
    return _USER_ID.fullmatch(value) is not None


def lowered(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def phone_key(wa_id: str) -> str:
    """Meta ids carry the country code without '+'; the book normalises '+<digits>' to E.164."""
    digits = wa_id.strip()
    return digits if digits.startswith("+") else "+" + digits


def contact_names(contacts: Any) -> dict[str, str]:
    """wa_id / user_id -> profile name, for whichever contacts carry one."""
    names: dict[str, str] = {}
    for contact in as_list(contacts) or []:
        if not isinstance(contact, Mapping):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            continue
        for key in ("wa_id", "user_id"):
            ident = optional_id(contact.get(key))
            if ident:
                names[ident] = name.strip()
                names[ident.lstrip("+")] = name.strip()
    return names


def lone_contact(contacts: Any) -> tuple[str | None, str | None]:
    """(wa_id, user_id) when the contacts list names exactly one person, else (None, None)."""
    people = set()
    for contact in as_list(contacts) or []:
        if isinstance(contact, Mapping):
            person = (optional_id(contact.get("wa_id")), optional_id(contact.get("user_id")))
            if person != (None, None):
                people.add(person)
    return people.pop() if len(people) == 1 else (None, None)


def first_error(errors: Any) -> dict[str, Any]:
    """The first error object with a readable code (else the first object, else {})."""
    objects = [as_dict(item) for item in as_list(errors) or [] if isinstance(item, Mapping)]
    with_code = [item for item in objects if error_code(item.get("code")) is not None]
    return (with_code or objects or [{}])[0]


def error_code(raw: Any) -> int | None:
    """A Graph error code sent as a number or as digits; anything else is None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 18:
        raw = int(raw.strip())
    return raw if isinstance(raw, int) and 0 <= raw <= _MAX_CODE else None


def error_title(error: dict[str, Any]) -> str | None:
    details = as_dict(error.get("error_data")).get("details")
    for candidate in (error.get("title"), error.get("message"), details):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None
