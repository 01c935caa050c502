"""The Meta parser keeps every readable part of hostile or odd bodies, and only the unreadable part raw."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactKind,
    InboundMessage,
    MessageKind,
    NumberChange,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
    UnparsedPayload,
)
from desktop_app.providers.meta_cloud.parser import MalformedBodyError, parse_body, parse_envelope

ANA_STOP_ID = "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQwQTZBNEQ5ODJBRUIwQUZGM0M1OQA="


def _load(meta_fixtures: Path, name: str) -> dict[str, Any]:
    return json.loads((meta_fixtures / name).read_text(encoding="utf-8"))


def _value(body: dict[str, Any]) -> dict[str, Any]:
    return body["entry"][0]["changes"][0]["value"]


def _envelope(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "104477000000123", "changes": [{"field": field, "value": value}]}],
    }


def _message(**fields: Any) -> dict[str, Any]:
    return {"from": "15550104444", "id": "wamid.dana-1", "timestamp": "1780300800", **fields}


def _inbound(events: list[ProviderEvent]) -> list[InboundMessage]:
    return [e for e in events if isinstance(e, InboundMessage)]


def _strings(value: Any) -> list[str]:
    """Every string anywhere inside an event (fields, nested raw JSON, dict keys)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _strings([getattr(value, f.name) for f in dataclasses.fields(value)])
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _strings(list(value.keys())) + _strings(list(value.values()))
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def _storable(events: list[ProviderEvent]) -> bool:
    for text in _strings(events):
        text.encode("utf-8")  # raises on a lone surrogate
        if "\x00" in text:
            return False
    return True


# --- case 1: text that cannot be encoded ---------------------------------------------------------


@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff", "\\udc00\\ud800", "\\u0000", "a\\ud83d"])
@pytest.mark.parametrize(
    "where",
    ["text body", "profile name", "button title", "caption", "message id", "unknown key", "status title"],
)
@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_unencodable_text_anywhere_becomes_replacement_characters(
    meta_fixtures: Path, bad: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Lone surrogates and NUL in any string field: every event kept, every string storable, STOP intact."""
    body = _load(meta_fixtures, "batch-3-messages-2-contacts.json")
    value = _value(body)
    failed = _value(_load(meta_fixtures, "status-failed-131050.json"))["statuses"][0]
    value["statuses"] = [failed]
    question = value["messages"][0]
    marker = "BAD_TEXT_HERE"
    if where == "text body":
        question["text"]["body"] = marker
    elif where == "profile name":
        value["contacts"][0]["profile"]["name"] = f"Ana {marker}"
    elif where == "button title":
        question.update(type="interactive", interactive={"type": "button_reply", "button_reply": {}})
        question["interactive"]["button_reply"].update(id="x", title=marker)
        del question["text"]
    elif where == "caption":
        question.update(type="image", image={"id": "media-1", "caption": marker})
        del question["text"]
    elif where == "message id":
        question["id"] = f"wamid.{marker}"
    elif where == "unknown key":
        question[marker] = {marker: [marker]}
    else:
        failed["errors"][0]["title"] = marker
    raw = json.dumps(body).replace(marker, bad).encode("utf-8")

    events = parse_body(raw)

    assert not [e for e in events if isinstance(e, UnparsedPayload)]
    assert len(_inbound(events)) == 3 and [type(e) for e in events].count(StatusUpdate) == 1
    assert _storable(events)
    assert "\ufffd" in "".join(_strings(events))
    bruno = _inbound(events)[1]
    assert (bruno.text, bruno.sender.key) == ("unsubscribe", "+15550105678")
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING and "kept as U+FFFD" in warning.getMessage()


def test_valid_surrogate_pairs_and_plain_unicode_are_untouched(
    meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = _load(meta_fixtures, "text-sair-pt.json")
    raw = json.dumps(body).replace('"Sair"', '"Sair \\ud83d\\ude00"').encode("utf-8")
    [msg] = parse_body(raw)
    assert msg.text == "Sair 😀" and msg.sender.name == "João Lima"
    assert caplog.records == []


@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_bytes_that_are_not_utf8_are_replaced_not_refused(
    meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Main answered 400 (UnicodeDecodeError), so Meta redelivered the STOP for 7 days."""
    raw = (meta_fixtures / "text-stop.json").read_bytes().replace(b"Ana Souza", b"Ana \xff\xfe Souza")
    [msg] = parse_body(raw)
    assert msg.text == "STOP" and msg.sender.name == "Ana \ufffd\ufffd Souza"
    assert [r.getMessage().split(" character")[0] for r in caplog.records] == ["A Meta delivery held 2"]


@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_raw_control_characters_inside_strings_are_read(meta_fixtures: Path) -> None:
    """Hand-written payloads carry raw tabs, newlines or NUL inside strings; main answered 400."""
    raw = (meta_fixtures / "text-stop.json").read_bytes().replace(b'"STOP"', b'"STOP\n\tplease\x00"')
    [msg] = parse_body(raw)
    assert msg.text == "STOP\n\tplease\ufffd"


def test_a_python_payload_with_lone_surrogates_is_cleaned_too(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    _value(body)["contacts"][0]["profile"]["name"] = "Ana \udc00"
    [msg] = parse_envelope(body)
    assert msg.sender.name == "Ana \ufffd" and _storable([msg])


# --- case 2: absurd nesting next to a real request -----------------------------------------------


def _with_deep_part(stop: dict[str, Any], where: str, depth: int) -> bytes:
    deep = "[" * depth + '"x"' + "]" * depth
    deep_object = '{"a":' * depth + "1" + "}" * depth
    value = _value(stop)
    placeholder = '"DEEP_PART"'
    if where == "value":
        value["extra"] = "DEEP_PART"
    elif where == "message":
        value["messages"][0]["extra"] = "DEEP_PART"
    elif where == "change":
        stop["entry"][0]["changes"].append({"field": "messages", "value": {"messages": "DEEP_PART"}})
    else:
        stop["entry"].append({"id": "1", "changes": "DEEP_PART"})
    text = json.dumps(stop).replace(placeholder, deep if where != "entry" else deep_object)
    return text.encode("utf-8")


@pytest.mark.parametrize("depth", [990, 5_000, 100_000])
@pytest.mark.parametrize("where", ["value", "message", "change", "entry"])
def test_deep_nesting_never_hides_a_stop(meta_fixtures: Path, where: str, depth: int) -> None:
    """Main kept the whole body as one unparsed blob (json.loads hit its recursion limit)."""
    raw = _with_deep_part(_load(meta_fixtures, "text-stop.json"), where, depth)
    events = parse_body(raw)
    [stop] = _inbound(events)
    assert (stop.provider_message_id, stop.text, stop.sender.key) == (ANA_STOP_ID, "STOP", "+15550101234")
    [set_aside] = [e for e in events if isinstance(e, UnparsedPayload) and "nested deeper" in e.reason]
    [fragment] = set_aside.raw["set_aside"]
    assert depth - 64 < fragment.count("[") + fragment.count("{") < depth  # only the over-deep part
    json.dumps([event.raw for event in events])  # every raw part can be written out again


def test_brackets_inside_strings_are_not_nesting(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    _value(body)["messages"][0]["text"]["body"] = "STOP " + "[{" * 5000
    [msg] = parse_body(json.dumps(body).encode("utf-8"))
    assert isinstance(msg, InboundMessage) and msg.text.startswith("STOP [{[{")


def test_brackets_that_do_not_pair_up_are_not_json() -> None:
    with pytest.raises(MalformedBodyError, match="not valid JSON"):
        parse_body(b'{"object": ' + b"[" * 2000 + b"}" * 2000 + b"}")


def test_huge_integers_do_not_refuse_the_body(meta_fixtures: Path) -> None:
    """Main answered 400 (int conversion limit), so Meta retried a STOP forever."""
    body = _load(meta_fixtures, "text-stop.json")
    text = json.dumps(body).replace('"messaging_product"', '"n": ' + "7" * 5000 + ', "messaging_product"')
    [msg] = parse_body(text.encode("utf-8"))
    assert msg.text == "STOP"


# --- case 3: real shapes from other client libraries' test data ----------------------------------


@pytest.mark.parametrize(
    ("spelled", "action"),
    [("signup", ConsentAction.OPT_IN), ("STOP", ConsentAction.OPT_OUT), (" Resume ", ConsentAction.OPT_IN)],
)
def test_signup_preference_is_a_marketing_opt_in(spelled: str, action: ConsentAction) -> None:
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"wa_id": "16505551234"}],
        "user_preferences": [
            {
                "wa_id": "16505551234",
                "detail": "User signed up via signup link",
                "category": "marketing_messages",
                "value": spelled,
                "timestamp": 1731705721,
            }
        ],
    }
    [pref] = parse_envelope(_envelope(value, "user_preferences"))
    assert isinstance(pref, PreferenceChange)
    assert (pref.contact.key, pref.category, pref.action) == ("+16505551234", MARKETING, action)


@pytest.mark.parametrize("kind", ["interactive", "text", "button", "reaction", "system"])
def test_message_without_its_content_object_reaches_its_thread(kind: str) -> None:
    """Meta's "unsupported" error shape; main raised KeyError and kept only the raw item."""
    error = {"code": 131000, "title": "Something went wrong", "message": "Something went wrong"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100100", "phone_number_id": "110022003300441"},
        "contacts": [{"profile": {"name": "Dana"}, "wa_id": "15550104444"}],
        "messages": [_message(type=kind, errors=[error])],
        "errors": [error],
    }
    events = parse_envelope(_envelope(value))
    [msg] = _inbound(events)
    assert (msg.kind, msg.sender.key, msg.sender.name) == (MessageKind.UNSUPPORTED, "+15550104444", "Dana")
    assert msg.raw is not None and msg.raw["errors"][0]["code"] == 131000
    [report] = [e for e in events if isinstance(e, UnparsedPayload)]
    assert "131000" in report.reason


@pytest.mark.parametrize(
    "system",
    [
        {"body": "User A changed from 972987654321 to 972912345678", "new_wa_id": "972912345678"},
        {"wa_id": "972987654321", "new_wa_id": "972912345678"},  # wa_id = the old number here
        {"wa_id": 972912345678},
    ],
)
def test_number_change_in_every_spelling(system: dict[str, Any]) -> None:
    message = {"from": "972987654321", "id": "wamid.sys", "timestamp": "1753851315", "type": "system"}
    message["system"] = {"type": "user_changed_number", **system}
    events = parse_envelope(_envelope({"messages": [message]}))
    [msg, change] = events
    assert isinstance(msg, InboundMessage) and msg.kind is MessageKind.SYSTEM
    assert isinstance(change, NumberChange)
    assert (change.old.key, change.new.key) == ("+972987654321", "+972912345678")


def test_user_id_change_moves_the_username_user() -> None:
    message = {"id": "wamid.uid", "timestamp": "1753851315", "type": "system"}
    message["system"] = {
        "body": "User changed from CO.1234567890 to MX.0987654321",
        "user_id": "MX.0987654321",
        "previous_user_id": "CO.1234567890",
        "type": "user_changed_user_id",
    }
    [msg, change] = parse_envelope(_envelope({"messages": [message]}))
    assert msg.sender.key == "CO.1234567890" and msg.sender.kind is ContactKind.USER_ID
    assert isinstance(change, NumberChange) and change.new.key == "MX.0987654321"


def test_message_without_from_takes_its_sender_from_the_contact_user_id() -> None:
    value = {
        "contacts": [{"profile": {"name": "Eve"}, "user_id": "US.13491208655302741918"}],
        "messages": [
            {"id": "wamid.bsuid", "timestamp": "1780300800", "type": "text", "text": {"body": "STOP"}}
        ],
    }
    [msg] = parse_envelope(_envelope(value))
    assert (msg.sender.key, msg.sender.kind, msg.sender.name) == (
        "US.13491208655302741918",
        ContactKind.USER_ID,
        "Eve",
    )
    assert msg.text == "STOP"


def test_message_without_any_sender_is_kept_raw_with_a_reason() -> None:
    value = {
        "contacts": [{"wa_id": "15550104444"}, {"wa_id": "15550105678"}],  # two people: whose is it?
        "messages": [
            {"id": "wamid.nobody", "timestamp": "1780300800", "type": "text", "text": {"body": "x"}}
        ],
    }
    [event] = parse_envelope(_envelope(value))
    assert isinstance(event, UnparsedPayload) and "sender" in event.reason


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("order", {"catalog_id": "1", "product_items": [], "text": "hi"}, MessageKind.UNKNOWN),
        ("ephemeral", None, MessageKind.UNKNOWN),
        ("revoke", {"original_message_id": "wamid.x"}, MessageKind.UNKNOWN),
        ("location", {"latitude": 1.5, "longitude": "x"}, MessageKind.LOCATION),
        ("contacts", [{"name": {"formatted_name": "Bo"}}], MessageKind.CONTACTS),
        ("sticker", "not an object", MessageKind.STICKER),
        ("audio", {"id": 5, "voice": True}, MessageKind.AUDIO),
        ("IMAGE", {"caption": "stop please"}, MessageKind.IMAGE),
    ],
)
def test_every_message_type_reaches_its_thread(kind: str, content: Any, expected: MessageKind) -> None:
    message = _message(type=kind)
    if content is not None:
        message[kind.lower()] = content
    [msg] = parse_envelope(_envelope({"messages": [message]}))
    assert (
        isinstance(msg, InboundMessage) and msg.kind is expected and msg.provider_message_id == "wamid.dana-1"
    )


@pytest.mark.parametrize(
    ("new_content", "kind", "text"),
    [
        ({"type": "text", "text": {"body": "STOP"}}, MessageKind.TEXT, "STOP"),
        ({"text": {"body": "stop please"}}, MessageKind.TEXT, "stop please"),  # no type: its object says
        (
            {"type": "image", "image": {"caption": "no more offers", "id": "1"}},
            MessageKind.IMAGE,
            "no more offers",
        ),
        ({"type": "edit", "edit": {}}, MessageKind.UNKNOWN, None),
        ("not an object", MessageKind.UNKNOWN, None),
    ],
)
def test_an_edited_message_reads_as_its_new_content(
    new_content: Any, kind: MessageKind, text: str | None
) -> None:
    """An edit that turns a message into "STOP" is a request; main kept it as an unknown kind, unread."""
    message = _message(type="edit", edit={"original_message_id": "wamid.before", "message": new_content})
    [msg] = parse_envelope(_envelope({"messages": [message]}))
    assert (msg.kind, msg.text, msg.context_message_id) == (kind, text, "wamid.before")


@pytest.mark.parametrize(
    ("sender", "key", "kind"),
    [
        ("<WHATSAPP_USER_PHONE_NUMBER>", "+972987654321", ContactKind.PHONE),  # a docs placeholder
        ("+1 (555) 010-4444", "+15550104444", ContactKind.PHONE),
        ("whatsapp:+15550104444", "+15550104444", ContactKind.PHONE),
        ("US.13491208655302741918", "US.13491208655302741918", ContactKind.USER_ID),
    ],
)
def test_sender_that_is_not_a_plain_wa_id(sender: str, key: str, kind: ContactKind) -> None:
    contacts = [{"profile": {"name": "Test"}, "wa_id": "972987654321", "user_id": "US.13491208655302741918"}]
    if kind is ContactKind.PHONE and not sender.startswith("<"):
        contacts = []
    message = _message(type="revoke", revoke={"original_message_id": "wamid.gone"})
    message["from"] = sender
    [msg] = parse_envelope(_envelope({"contacts": contacts, "messages": [message]}))
    assert (msg.sender.key, msg.sender.kind, msg.context_message_id) == (key, kind, "wamid.gone")


def test_numbers_as_integers_and_objects_without_their_list() -> None:
    """ids, wa_ids and phone_number_id as JSON numbers; entry/changes/contacts/messages as lone objects."""
    body = {
        "object": "whatsapp_business_account",
        "entry": {
            "id": 104477000000123,
            "changes": {
                "field": "messages",
                "value": {
                    "metadata": {"phone_number_id": 110022003300441},
                    "contacts": {"profile": {"name": "Dana"}, "wa_id": 15550104444},
                    "messages": {
                        "from": 15550104444,
                        "id": 42,
                        "timestamp": 1780300800,
                        "text": {"body": "STOP"},
                    },
                },
            },
        },
    }
    [msg] = parse_envelope(body)
    assert (msg.provider_message_id, msg.sender.key, msg.sender.name) == ("42", "+15550104444", "Dana")
    assert (msg.kind, msg.text, msg.business_number) == (MessageKind.TEXT, "STOP", "110022003300441")


def test_missing_metadata_field_and_object_still_parse(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    del body["object"]
    del body["entry"][0]["changes"][0]["field"]
    del _value(body)["metadata"]
    _value(body)["contacts"] = "not a list"
    [msg] = parse_envelope(body)
    assert (msg.text, msg.business_number, msg.sender.name) == ("STOP", None, None)


@pytest.mark.parametrize(
    ("errors", "code", "title"),
    [
        ({"code": 131050, "title": "stopped marketing"}, 131050, "stopped marketing"),
        (["boom", {"code": "131050", "message": "via message"}], 131050, "via message"),
        ([{"code": 131050.0, "error_data": {"details": "via details"}}], 131050, "via details"),
        ([{"code": "9" * 40, "title": "absurd"}], None, "absurd"),
        ([{"code": True}], None, None),
        ("errors as text", None, None),
        ([], None, None),
    ],
)
def test_status_errors_of_any_shape(
    meta_fixtures: Path, errors: Any, code: int | None, title: str | None
) -> None:
    body = _load(meta_fixtures, "status-failed-131050.json")
    status = _value(body)["statuses"][0]
    status.update(errors=errors, pricing="free?", conversation=["odd"], recipient_id=15550105678)
    [update] = parse_envelope(body)
    assert isinstance(update, StatusUpdate)
    assert (update.error_code, update.error_title, update.recipient.key) == (code, title, "+15550105678")


def test_duplicates_and_unknown_fields_are_all_kept(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    value = _value(body)
    value["messages"].append(dict(value["messages"][0]))
    value["messages"][0]["brand_new_field"] = {"nested": [1, 2, {"x": None}]}
    value["future_thing"] = True
    body["entry"][0]["surprise"] = "yes"
    body["entry"].append(body["entry"][0])
    events = parse_envelope(body)
    assert [type(e) for e in events] == [InboundMessage] * 4
    assert {e.provider_message_id for e in _inbound(events)} == {ANA_STOP_ID}


any_text = st.text(st.characters(codec=None), max_size=12)  # lone surrogates and NUL included
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extra=any_json, name=any_text, where=st.sampled_from(["envelope", "entry", "value", "message", "contact"])
)
@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_any_extra_part_never_loses_the_stop(meta_fixtures: Path, extra: Any, name: str, where: str) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    value = _value(body)
    value["contacts"][0]["profile"]["name"] = name
    target = {
        "envelope": body,
        "entry": body["entry"][0],
        "value": value,
        "message": value["messages"][0],
        "contact": value["contacts"][0],
    }[where]
    target["zz_extra"] = extra
    events = parse_body(json.dumps(body).encode("utf-8"))
    [stop] = _inbound(events)
    assert (stop.provider_message_id, stop.text) == (ANA_STOP_ID, "STOP")
    assert _storable(events)


@pytest.mark.expect_log(level="ERROR", match=r"^The Meta parser failed")
def test_a_parser_bug_keeps_the_signed_body_raw_instead_of_a_500(
    meta_fixtures: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """check_delivery never raises: a bug of ours must not make Meta redeliver a body for 7 days."""
    from desktop_app.providers.meta_cloud import webhook
    from desktop_app.providers.meta_cloud.signature import sign

    def broken_parser(body: bytes) -> list[ProviderEvent]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(webhook, "parse_body", broken_parser)
    body = (meta_fixtures / "text-stop.json").read_bytes().replace(b"Ana Souza", b"Ana \xff")
    checked = webhook.check_delivery(body, sign(body, "secret"), "secret")
    assert checked.rejection is None
    [kept] = checked.events or []
    assert isinstance(kept, UnparsedPayload) and kept.reason == "parser failed: RuntimeError"
    assert "Ana \ufffd" in kept.raw and _storable([kept])
    [error] = caplog.records
    assert error.levelno == logging.ERROR and "kept raw" in error.getMessage()
