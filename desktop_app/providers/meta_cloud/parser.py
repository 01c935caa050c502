"""Turns a Meta webhook envelope into domain events; whatever it cannot understand is kept raw.

Every entry, change and item is read on its own, so one odd part never loses its neighbours; a
message with an id and a sender always reaches its thread (as "unsupported" if nothing else).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
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
from desktop_app.providers.meta_cloud.decoding import MAX_DEPTH, NotJsonError, clean, decode_body
from desktop_app.providers.meta_cloud.fields import (
    ShapeError,
    as_dict,
    as_list,
    contact_names,
    error_code,
    error_title,
    first_error,
    lone_contact,
    looks_like_user_id,
    lowered,
    optional_id,
    optional_str,
    phone_id,
    phone_key,
    require_dict,
    require_id,
    require_str,
)

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
# Types whose content lives in an object named after the type; without it the message is unsupported.
OBJECT_KINDS = ("text", "button", "interactive", "reaction", "system")
PREFERENCE_CATEGORIES = {"marketing_messages": MARKETING}
PREFERENCE_ACTIONS = {
    "stop": ConsentAction.OPT_OUT,
    "resume": ConsentAction.OPT_IN,
    "signup": ConsentAction.OPT_IN,  # "User signed up via signup link"
}
NUMBER_CHANGES = ("user_changed_number", "customer_changed_number")  # the latter before Graph v12
USER_ID_CHANGE = "user_changed_user_id"

ItemParser = Callable[[Any, dict[str, Any]], Iterator[ProviderEvent]]

log = logging.getLogger(__name__)


class MalformedBodyError(ValueError):
    """The body is not JSON at all (the webhook answers 400)."""


def parse_body(body: bytes) -> list[ProviderEvent]:
    """Parse raw webhook bytes. Raises MalformedBodyError only for bytes that are not JSON."""
    try:
        decoded = decode_body(body)
    except NotJsonError as exc:
        raise MalformedBodyError(f"body is not valid JSON: {exc}") from exc
    if decoded.repaired:
        log.warning(
            "A Meta delivery held %d character(s) that cannot be stored (lone surrogates, NUL or bytes "
            "that are not UTF-8); they are kept as U+FFFD",
            decoded.repaired,
        )
    events = _parse_envelope(decoded.value)
    if not decoded.set_aside:
        return events
    if all(isinstance(event, UnparsedPayload) for event in events):
        reason = f"JSON nested deeper than {MAX_DEPTH} levels, with nothing readable around it"
        return [UnparsedPayload(PROVIDER, reason, decoded.text)]
    reason = f"{len(decoded.set_aside)} part(s) nested deeper than {MAX_DEPTH} levels; the rest was read"
    return [*events, UnparsedPayload(PROVIDER, reason, {"set_aside": decoded.set_aside})]


def parse_envelope(payload: Any) -> list[ProviderEvent]:
    """Every entry and every change, in order; never raises on a strange shape."""
    return _parse_envelope(clean(payload))


def _parse_envelope(payload: Any) -> list[ProviderEvent]:
    if not isinstance(payload, dict):
        return [UnparsedPayload(PROVIDER, "body is not a JSON object", payload)]
    object_type = payload.get("object")
    if object_type is not None and object_type != OBJECT_TYPE:
        return [UnparsedPayload(PROVIDER, f"unexpected object type {object_type!r}", payload)]
    entries = as_list(payload.get("entry"))
    if entries is None:
        return [UnparsedPayload(PROVIDER, "envelope has no entry list", payload)]
    events: list[ProviderEvent] = []
    for entry in entries:
        events.extend(_each_alone(entry, "entry", _parse_entry))
    return events


def _each_alone(item: Any, what: str, parse: Callable[[Any], Iterator[ProviderEvent]]) -> list[ProviderEvent]:
    """One part's events, or that part kept raw: a surprise in it never reaches its neighbours."""
    try:
        return list(parse(item))
    except Exception as exc:  # a shape nobody foresaw: keep it, never fail the delivery
        return [UnparsedPayload(PROVIDER, f"{what} not understood: {type(exc).__name__}: {exc}", item)]


def _parse_entry(entry: Any) -> Iterator[ProviderEvent]:
    changes = as_list(entry.get("changes")) if isinstance(entry, dict) else None
    if changes is None:
        yield UnparsedPayload(PROVIDER, "entry has no changes list", entry)
        return
    for change in changes:
        yield from _each_alone(change, "change", _parse_change)


def _parse_change(change: Any) -> Iterator[ProviderEvent]:
    value = change.get("value") if isinstance(change, dict) else None
    if not isinstance(value, dict):
        yield UnparsedPayload(PROVIDER, "change has no value object", change)
        return
    field_name = lowered(change.get("field"))
    if not field_name:  # some relays drop it; the value says what it is
        field_name = "user_preferences" if "user_preferences" in value else "messages"
    if field_name == "messages":
        yield from _parse_messages_value(value)
    elif field_name == "user_preferences":
        yield from _each_item(value.get("user_preferences"), "user_preferences", _parse_preference, value)
    else:
        yield UnparsedPayload(PROVIDER, f"webhook field {change.get('field')!r} is not handled", change)


def _parse_messages_value(value: dict[str, Any]) -> Iterator[ProviderEvent]:
    if "messages" in value:
        yield from _each_item(value["messages"], "message", _parse_message, value)
    if "statuses" in value:
        yield from _each_item(value["statuses"], "status", _parse_status, value)
    errors = value.get("errors")
    if errors:
        listed = [as_dict(error) for error in as_list(errors) or []]
        codes = ", ".join(str(e["code"]) for e in listed if "code" in e) or "?"
        yield UnparsedPayload(PROVIDER, f"platform error report (code {codes})", value)
    if not any(key in value for key in ("messages", "statuses", "errors")):
        yield UnparsedPayload(PROVIDER, "messages change without messages, statuses or errors", value)


def _each_item(items: Any, what: str, parse: ItemParser, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    """Parse each item on its own, so one odd item never loses its neighbours."""
    listed = as_list(items)
    if listed is None:
        yield UnparsedPayload(PROVIDER, f"{what} list is not a list", value)
        return
    for item in listed:
        yield from _each_alone(item, what, lambda one: parse(one, value))


# --- messages ------------------------------------------------------------------------------------


def _parse_message(message: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    message = require_dict(message, "message")
    message_id = require_id(message.get("id"), "id")
    kind_name = _kind_name(message)
    system = as_dict(message.get("system"))
    sender = _sender_ref(message, value.get("contacts"), system)
    occurred_at = _timestamp(message.get("timestamp"))
    fields = _content_fields(kind_name, message)
    fields.setdefault("context_message_id", optional_id(as_dict(message.get("context")).get("id")))
    yield InboundMessage(
        provider=PROVIDER,
        provider_message_id=message_id,
        sender=sender,
        occurred_at=occurred_at,
        business_number=optional_id(as_dict(value.get("metadata")).get("phone_number_id")),
        raw=message,
        **fields,
    )
    if kind_name == "system":
        number_change = _number_change(system, sender, occurred_at, message_id)
        if number_change is not None:
            yield number_change


def _kind_name(message: dict[str, Any]) -> str:
    """The message's type; when it is missing, the one content object it carries names it."""
    kind_name = message.get("type")
    if isinstance(kind_name, str) and kind_name.strip():
        return kind_name.strip().lower()
    present = [name for name in (*OBJECT_KINDS, *MEDIA_KINDS) if isinstance(message.get(name), dict)]
    return present[0] if len(present) == 1 else ""


def _content_fields(kind_name: str, message: dict[str, Any]) -> dict[str, Any]:
    content = message.get(kind_name) if kind_name else None
    if kind_name == "text" and isinstance(content, str):  # a relay that flattened {"body": ...}
        return {"kind": MessageKind.TEXT, "text": content}
    if not kind_name or (kind_name in OBJECT_KINDS and not isinstance(content, dict)):
        return {"kind": MessageKind.UNSUPPORTED}  # Meta's "unsupported" shape: the content is missing
    part = as_dict(content)
    if kind_name == "text":
        return {"kind": MessageKind.TEXT, "text": optional_str(part.get("body"))}
    if kind_name == "button":
        label = optional_str(part.get("text"))
        payload = optional_id(part.get("payload"))
        return {"kind": MessageKind.BUTTON, "text": label, "button_payload": payload, "button_text": label}
    if kind_name == "interactive":
        return _interactive_fields(part)
    if kind_name in MEDIA_KINDS:
        return {"kind": MEDIA_KINDS[kind_name], "text": optional_str(part.get("caption"))}
    if kind_name == "reaction":
        return {
            "kind": MessageKind.REACTION,
            "text": optional_str(part.get("emoji")) or None,
            "context_message_id": optional_id(part.get("message_id")),
        }
    if kind_name == "system":
        return {"kind": MessageKind.SYSTEM, "text": optional_str(part.get("body"))}
    if kind_name == "edit":
        return _edit_fields(part)
    fields: dict[str, Any] = {"kind": SIMPLE_KINDS.get(kind_name, MessageKind.UNKNOWN)}
    original = optional_id(part.get("original_message_id"))  # e.g. revoke: the message now deleted
    return {**fields, "context_message_id": original} if original else fields


def _edit_fields(edit: dict[str, Any]) -> dict[str, Any]:
    """An edited message reads as its new content (an edit to "STOP" is a request), linked to the original."""
    new_content = as_dict(edit.get("message"))
    kind_name = _kind_name(new_content)
    if kind_name in ("", "edit"):
        fields: dict[str, Any] = {"kind": MessageKind.UNKNOWN}
    else:
        fields = _content_fields(kind_name, new_content)
    fields["context_message_id"] = optional_id(edit.get("original_message_id"))
    return fields


def _interactive_fields(interactive: dict[str, Any]) -> dict[str, Any]:
    reply_type = interactive.get("type")
    if not isinstance(reply_type, str):
        reply_type = next((k for k in ("button_reply", "list_reply") if k in interactive), "")
    reply = interactive.get(reply_type)
    if not isinstance(reply, dict):
        return {"kind": MessageKind.INTERACTIVE}
    title = optional_str(reply.get("title"))
    return {
        "kind": MessageKind.INTERACTIVE,
        "text": title,
        "button_payload": optional_id(reply.get("id")),
        "button_text": title,
    }


def _sender_ref(message: dict[str, Any], contacts: Any, system: dict[str, Any]) -> ContactRef:
    """from (a phone), else from_user_id, else the one person in contacts, else a user-id change's old id."""
    names = contact_names(contacts)
    claimed = optional_id(message.get("from"))
    phone = phone_id(claimed)
    user_id = optional_id(message.get("from_user_id"))
    if claimed and not (phone or user_id) and looks_like_user_id(claimed):
        user_id = claimed  # a user id sent where the phone number usually is
    if not (phone or user_id):
        contact_phone, user_id = lone_contact(contacts)
        phone = phone_id(contact_phone)
    if not (phone or user_id) and system.get("type") == USER_ID_CHANGE:
        user_id = optional_id(system.get("previous_user_id"))
    if phone:
        name = names.get(phone) or names.get(phone.lstrip("+")) or names.get(user_id or "")
        return ContactRef(phone_key(phone), ContactKind.PHONE, name)
    if user_id:
        return ContactRef(user_id, ContactKind.USER_ID, names.get(user_id))
    if claimed:
        raise ShapeError(f"sender {claimed!r} is neither a phone number nor a user id")
    raise ShapeError("message has no sender: neither from, from_user_id nor a single contact")


def _number_change(
    system: dict[str, Any], sender: ContactRef, occurred_at: datetime, message_id: str
) -> NumberChange | None:
    """user_changed_number (new number in wa_id, or new_wa_id before Graph v12) or a user-id change."""
    system_type = system.get("type")
    new_ref: ContactRef | None = None
    if system_type in NUMBER_CHANGES and sender.kind is ContactKind.PHONE:
        new_id = phone_id(system.get("new_wa_id")) or phone_id(system.get("wa_id"))
        new_ref = ContactRef(phone_key(new_id), ContactKind.PHONE, sender.name) if new_id else None
    elif system_type == USER_ID_CHANGE and sender.kind is ContactKind.USER_ID:
        new_id = optional_id(system.get("user_id"))
        new_ref = ContactRef(new_id, ContactKind.USER_ID, sender.name) if new_id else None
    if new_ref is None or new_ref.key == sender.key:
        return None
    return NumberChange(PROVIDER, sender, new_ref, occurred_at, f"meta:number:{message_id}")


# --- statuses and preferences --------------------------------------------------------------------


def _parse_status(status: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    status = require_dict(status, "status")
    error = first_error(status.get("errors"))
    recipient_user = optional_id(status.get("recipient_user_id"))
    recipient_phone = optional_id(status.get("recipient_id"))
    if recipient_phone:
        recipient = ContactRef(phone_key(recipient_phone), ContactKind.PHONE)
    elif recipient_user:
        recipient = ContactRef(recipient_user, ContactKind.USER_ID)
    else:
        raise ShapeError("status has neither recipient_id nor recipient_user_id")
    yield StatusUpdate(
        provider=PROVIDER,
        provider_message_id=require_id(status.get("id"), "id"),
        recipient=recipient,
        status=require_str(status.get("status"), "status").strip().lower(),
        occurred_at=_timestamp(status.get("timestamp")),
        error_code=error_code(error.get("code")),
        error_title=error_title(error),
        raw=status,
    )


def _parse_preference(preference: Any, value: dict[str, Any]) -> Iterator[ProviderEvent]:
    preference = require_dict(preference, "user_preferences item")
    category = PREFERENCE_CATEGORIES.get(lowered(preference.get("category")) or "")
    action = PREFERENCE_ACTIONS.get(lowered(preference.get("value")) or "")
    if category is None or action is None:
        raise ShapeError(
            f"unknown preference category/value {preference.get('category')!r}/{preference.get('value')!r}"
        )
    contacts = value.get("contacts")
    wa_id = phone_id(preference.get("wa_id"))
    user_id = optional_id(preference.get("user_id"))
    if not (wa_id or user_id):
        contact_phone, user_id = lone_contact(contacts)
        wa_id = phone_id(contact_phone)
    who = wa_id or user_id
    if not who:
        raise ShapeError("preference has neither wa_id nor user_id")
    names = contact_names(contacts)
    if wa_id:
        name = names.get(wa_id) or names.get(user_id or "")
        contact = ContactRef(phone_key(wa_id), ContactKind.PHONE, name)
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
        detail=optional_str(preference.get("detail")),
        raw=preference,
    )


def _timestamp(raw: Any) -> datetime:
    """Unix seconds as a string (messages, statuses) or an integer (user_preferences).

    Milliseconds, microseconds and ISO text are read too; anything else is UNREADABLE_TIME, which the
    ingest pipeline files at its receipt: an unreadable time never drops a customer's request.
    """
    return read_claimed_time(raw) or UNREADABLE_TIME
