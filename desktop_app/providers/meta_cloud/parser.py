"""Turns a Meta webhook envelope into domain events; whatever it cannot understand is kept raw."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from desktop_app.domain.event_time import UNREADABLE_TIME, read_claimed_time
from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactKind,
    ContactRef,
    InboundMessage,
    MessageKind,
    NumberChange,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
    UnparsedPayload,
)
from desktop_app.providers.meta_cloud import PROVIDER

OBJECT_TYPE = "whatsapp_business_account"
MEDIA_KINDS = {
    "image": MessageKind.IMAGE,
    "document": MessageKind.DOCUMENT,
    "video": MessageKind.VIDEO,
    "audio": MessageKind.AUDIO,
    "sticker": MessageKind.STICKER,
}
SIMPLE_KINDS = {
    "location": MessageKind.LOCATION,
    "contacts": MessageKind.CONTACTS,
    "request_welcome": MessageKind.REQUEST_WELCOME,
    "unsupported": MessageKind.UNSUPPORTED,
}
PREFERENCE_CATEGORIES = {"marketing_messages": MARKETING}
PREFERENCE_ACTIONS = {"stop": ConsentAction.OPT_OUT, "resume": ConsentAction.OPT_IN}


class MalformedBodyError(ValueError):
    """The body is not JSON at all (the webhook answers 400)."""


class _ShapeError(ValueError):
    """One part of a valid JSON body has a shape we do not understand."""


def parse_body(body: bytes) -> list[ProviderEvent]:
    """Parse raw webhook bytes. Raises MalformedBodyError only for bytes that are not JSON."""
    try:
        payload = json.loads(body)
    except RecursionError:
        return [UnparsedPayload(PROVIDER, "JSON nested too deeply to parse", body.decode("utf-8", "replace"))]
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBodyError(f"body is not valid JSON: {exc}") from exc
    return parse_envelope(payload)


def parse_envelope(payload: Any) -> list[ProviderEvent]:
    """Every entry and every change, in order; never raises on a strange shape."""
    if not isinstance(payload, dict):
        return [UnparsedPayload(PROVIDER, "body is not a JSON object", payload)]
    if payload.get("object") != OBJECT_TYPE:
        return [UnparsedPayload(PROVIDER, f"unexpected object type {payload.get('object')!r}", payload)]
    entries = payload.get("entry")
    if not isinstance(entries, list):
        return [UnparsedPayload(PROVIDER, "envelope has no entry list", payload)]
    events: list[ProviderEvent] = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            events.append(UnparsedPayload(PROVIDER, "entry has no changes list", entry))
            continue
        for change in changes:
            events.extend(_parse_change(change))
    return events


def _parse_change(change: Any) -> Iterator[ProviderEvent]:
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(value, dict):
        yield UnparsedPayload(PROVIDER, "change has no value object", change)
        return
    field_name = change.get("field")
    if field_name == "messages":
        yield from _parse_messages_value(value)
    elif field_name == "user_preferences":
        yield from _guarded(value.get("user_preferences"), "user_preferences", _parse_preference, value)
    else:
        yield UnparsedPayload(PROVIDER, f"webhook field {field_name!r} is not handled", change)


def _parse_messages_value(value: dict[str, Any]) -> Iterator[ProviderEvent]:
    if "messages" in value:
        yield from _guarded(value["messages"], "message", _parse_message, value)
    if "statuses" in value:
        yield from _guarded(value["statuses"], "status", _parse_status, value)
    errors = value.get("errors")
    if errors:
        listed = errors if isinstance(errors, list) else []
        codes = ", ".join(str(e.get("code")) for e in listed if isinstance(e, dict)) or "?"
        yield UnparsedPayload(PROVIDER, f"platform error report (code {codes})", value)
    if not any(key in value for key in ("messages", "statuses", "errors")):
        yield UnparsedPayload(PROVIDER, "messages change without messages, statuses or errors", value)


def _guarded(items: Any, what: str, parse: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    """Parse each item on its own, so one odd item never loses its neighbours."""
    if not isinstance(items, list):
        yield UnparsedPayload(PROVIDER, f"{what} list is not a list", value)
        return
    for item in items:
        try:
            yield from parse(item, value)
        except (_ShapeError, KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as exc:
            yield UnparsedPayload(PROVIDER, f"{what} not understood: {type(exc).__name__}: {exc}", item)


def _parse_message(message: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    message = _require_dict(message, "message")
    message_id = _require_str(message.get("id"), "id")
    sender = _sender_ref(message, value.get("contacts"))
    occurred_at = _timestamp(message.get("timestamp"))
    kind_name = message.get("type")
    context = message.get("context") if isinstance(message.get("context"), dict) else {}
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    fields: dict[str, Any] = {"kind": MessageKind.UNKNOWN}
    number_change: NumberChange | None = None

    if kind_name == "text":
        body = _require_dict(message["text"], "text").get("body")
        fields = {"kind": MessageKind.TEXT, "text": _optional_str(body)}
    elif kind_name == "button":
        button = _require_dict(message["button"], "button")
        label = _optional_str(button.get("text"))
        fields = {
            "kind": MessageKind.BUTTON,
            "text": label,
            "button_payload": _optional_str(button.get("payload")),
            "button_text": label,
        }
    elif kind_name == "interactive":
        fields = _interactive_fields(_require_dict(message["interactive"], "interactive"))
    elif kind_name in MEDIA_KINDS:
        media = message.get(kind_name) if isinstance(message.get(kind_name), dict) else {}
        fields = {"kind": MEDIA_KINDS[kind_name], "text": _optional_str(media.get("caption"))}
    elif kind_name == "reaction":
        reaction = _require_dict(message["reaction"], "reaction")
        fields = {
            "kind": MessageKind.REACTION,
            "text": _optional_str(reaction.get("emoji")) or None,
            "context_message_id": _optional_str(reaction.get("message_id")),
        }
    elif kind_name == "system":
        system = _require_dict(message["system"], "system")
        fields = {"kind": MessageKind.SYSTEM, "text": _optional_str(system.get("body"))}
        new_id = _optional_str(system.get("wa_id"))
        if system.get("type") == "user_changed_number" and new_id and sender.kind is ContactKind.PHONE:
            new_ref = ContactRef(_phone_key(new_id), ContactKind.PHONE, sender.name)
            number_change = NumberChange(PROVIDER, sender, new_ref, occurred_at, f"meta:number:{message_id}")
    elif kind_name in SIMPLE_KINDS:
        fields = {"kind": SIMPLE_KINDS[kind_name]}

    fields.setdefault("context_message_id", _optional_str(context.get("id")))
    yield InboundMessage(
        provider=PROVIDER,
        provider_message_id=message_id,
        sender=sender,
        occurred_at=occurred_at,
        business_number=_optional_str(metadata.get("phone_number_id")),
        raw=message,
        **fields,
    )
    if number_change is not None:
        yield number_change


def _interactive_fields(interactive: dict[str, Any]) -> dict[str, Any]:
    reply_type = interactive.get("type")
    reply = interactive.get(reply_type) if isinstance(reply_type, str) else None
    if not isinstance(reply, dict):
        return {"kind": MessageKind.INTERACTIVE}
    title = _optional_str(reply.get("title"))
    return {
        "kind": MessageKind.INTERACTIVE,
        "text": title,
        "button_payload": _optional_str(reply.get("id")),
        "button_text": title,
    }


def _parse_status(status: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    status = _require_dict(status, "status")
    errors = status.get("errors")
    first_error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = first_error.get("code")
    recipient_user = _optional_str(status.get("recipient_user_id"))
    recipient_phone = _optional_str(status.get("recipient_id"))
    if recipient_phone:
        recipient = ContactRef(_phone_key(recipient_phone), ContactKind.PHONE)
    elif recipient_user:
        recipient = ContactRef(recipient_user, ContactKind.USER_ID)
    else:
        raise _ShapeError("status has neither recipient_id nor recipient_user_id")
    yield StatusUpdate(
        provider=PROVIDER,
        provider_message_id=_require_str(status.get("id"), "id"),
        recipient=recipient,
        status=_require_str(status.get("status"), "status"),
        occurred_at=_timestamp(status.get("timestamp")),
        error_code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        error_title=_optional_str(first_error.get("title") or first_error.get("message")),
        raw=status,
    )


def _parse_preference(preference: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    preference = _require_dict(preference, "user_preferences item")
    category = PREFERENCE_CATEGORIES.get(preference.get("category"))  # type: ignore[arg-type]
    action = PREFERENCE_ACTIONS.get(preference.get("value"))  # type: ignore[arg-type]
    if category is None or action is None:
        raise _ShapeError(
            f"unknown preference category/value {preference.get('category')!r}/{preference.get('value')!r}"
        )
    wa_id = _optional_str(preference.get("wa_id"))
    user_id = _optional_str(preference.get("user_id"))
    who = wa_id or user_id
    if not who:
        raise _ShapeError("preference has neither wa_id nor user_id")
    names = _contact_names(value.get("contacts"))
    if wa_id:
        contact = ContactRef(_phone_key(wa_id), ContactKind.PHONE, names.get(wa_id))
    else:
        contact = ContactRef(who, ContactKind.USER_ID, names.get(who))
    timestamp = preference.get("timestamp")
    yield PreferenceChange(
        provider=PROVIDER,
        contact=contact,
        category=category,
        action=action,
        occurred_at=_timestamp(timestamp),
        dedupe_key=f"meta:pref:{who}:{preference.get('value')}:{timestamp}",
        detail=_optional_str(preference.get("detail")),
        raw=preference,
    )


def _sender_ref(message: dict[str, Any], contacts: Any) -> ContactRef:
    names = _contact_names(contacts)
    phone = _optional_str(message.get("from"))
    user_id = _optional_str(message.get("from_user_id"))
    if phone:
        return ContactRef(_phone_key(phone), ContactKind.PHONE, names.get(phone) or names.get(user_id or ""))
    if user_id:
        return ContactRef(user_id, ContactKind.USER_ID, names.get(user_id))
    raise _ShapeError("message has neither from nor from_user_id")


def _contact_names(contacts: Any) -> dict[str, str]:
    """wa_id / user_id -> profile name, for whichever contacts carry one."""
    names: dict[str, str] = {}
    if not isinstance(contacts, list):
        return names
    for contact in contacts:
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        for key in ("wa_id", "user_id"):
            ident = contact.get(key)
            if isinstance(ident, str) and ident:
                names[ident] = name.strip()
                names[ident.lstrip("+")] = name.strip()
    return names


def _phone_key(wa_id: str) -> str:
    """Meta ids carry the country code without '+'; the book normalises '+<digits>' to E.164."""
    digits = wa_id.strip()
    return digits if digits.startswith("+") else "+" + digits


def _timestamp(raw: Any) -> datetime:
    """Unix seconds as a string (messages, statuses) or an integer (user_preferences).

    Milliseconds, microseconds and ISO text are read too; anything else is UNREADABLE_TIME, which the
    ingest pipeline files at its receipt: an unreadable time never drops a customer's request.
    """
    return read_claimed_time(raw) or UNREADABLE_TIME


def _require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _ShapeError(f"{what} is not an object")
    return dict(value)


def _require_str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _ShapeError(f"{what} is missing or not a string")
    return value


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
