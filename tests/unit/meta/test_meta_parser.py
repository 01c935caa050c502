"""The Meta envelope parser over every fixture, plus the shapes it must survive."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.domain.event_time import UNREADABLE_TIME
from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactKind,
    InboundMessage,
    MessageKind,
    NumberChange,
    PreferenceChange,
    StatusUpdate,
    UnparsedPayload,
)
from desktop_app.providers.meta_cloud.parser import MalformedBodyError, parse_body, parse_envelope


def _load(meta_fixtures: Path, name: str) -> dict:
    return json.loads((meta_fixtures / name).read_text(encoding="utf-8"))


def _parse(meta_fixtures: Path, name: str) -> list:
    return parse_body((meta_fixtures / name).read_bytes())


def test_every_fixture_parses_without_loss(meta_fixtures: Path) -> None:
    """Each webhook fixture yields events, and only the system-level error report is unparsed."""
    names = sorted(p.name for p in meta_fixtures.glob("*.json") if p.name != "signatures.json")
    assert len(names) == 21
    for name in names:
        events = _parse(meta_fixtures, name)
        assert events, name
        unparsed = [e for e in events if isinstance(e, UnparsedPayload)]
        if name == "value-errors-130429.json":
            assert len(unparsed) == 1 and "130429" in unparsed[0].reason
        else:
            assert not unparsed, (name, unparsed)


def test_text_stop(meta_fixtures: Path) -> None:
    [msg] = _parse(meta_fixtures, "text-stop.json")
    assert isinstance(msg, InboundMessage)
    assert msg.provider == "meta"
    assert msg.provider_message_id == "wamid.HBgLMTU1NTAxMDEyMzQVAgASGBQwQTZBNEQ5ODJBRUIwQUZGM0M1OQA="
    assert msg.kind is MessageKind.TEXT and msg.text == "STOP"
    assert msg.sender.key == "+15550101234" and msg.sender.kind is ContactKind.PHONE
    assert msg.sender.name == "Ana Souza"
    assert msg.occurred_at == datetime.fromtimestamp(1780300800, tz=UTC)
    assert msg.business_number == "110022003300441"
    assert msg.raw is not None and msg.raw["type"] == "text"


def test_non_ascii_profile_names(meta_fixtures: Path) -> None:
    [baja] = _parse(meta_fixtures, "text-baja-es.json")
    [sair] = _parse(meta_fixtures, "text-sair-pt.json")
    assert (baja.sender.name, baja.text) == ("Lucía Pérez", "BAJA")
    assert (sair.sender.name, sair.text) == ("João Lima", "Sair")


def test_template_button_keeps_payload_and_label(meta_fixtures: Path) -> None:
    [tap] = _parse(meta_fixtures, "button-stop-promotions.json")
    assert tap.kind is MessageKind.BUTTON
    assert (tap.button_payload, tap.button_text) == ("STOP_PROMOTIONS", "Stop promotions")
    assert tap.context_message_id == "wamid.HBgLMTU1NTAxMDEyMzQVAgARGBQxODY3RUQ0MTU3RERFODYwMTQwNAA="
    [pt] = _parse(meta_fixtures, "button-stop-promotions-label-payload-pt.json")
    assert pt.button_payload == pt.button_text == "Parar promoções"


def test_interactive_replies(meta_fixtures: Path) -> None:
    [button] = _parse(meta_fixtures, "interactive-button-reply.json")
    assert button.kind is MessageKind.INTERACTIVE
    assert (button.button_payload, button.text) == ("optout-confirm-yes", "Yes, unsubscribe")
    assert button.context_message_id is not None
    [row] = _parse(meta_fixtures, "interactive-list-reply.json")
    assert (row.button_payload, row.text) == ("pref_no_marketing", "No more offers")


def test_caption_reaction_unsupported_welcome(meta_fixtures: Path) -> None:
    [image] = _parse(meta_fixtures, "image-with-caption.json")
    assert image.kind is MessageKind.IMAGE and image.text == "stop sending me these please"
    [reaction] = _parse(meta_fixtures, "reaction.json")
    assert reaction.kind is MessageKind.REACTION and reaction.text == "👎"
    assert reaction.context_message_id == "wamid.HBgLMTU1NTAxMDU2NzgVAgARGBQ2MTRGN0Q1QkRGMkM4RkU2MDk0QwA="
    [unsupported] = _parse(meta_fixtures, "unsupported.json")
    assert unsupported.kind is MessageKind.UNSUPPORTED and unsupported.text is None
    assert unsupported.raw["unsupported"]["type"] == "poll_update"
    [welcome] = _parse(meta_fixtures, "request-welcome.json")
    assert welcome.kind is MessageKind.REQUEST_WELCOME


def test_reply_with_context(meta_fixtures: Path) -> None:
    [msg] = _parse(meta_fixtures, "text-reply-with-context.json")
    assert msg.text == "no more of these please"
    assert msg.context_message_id == "wamid.HBgLMTU1NTAxMDEyMzQVAgARGBQxODY3RUQ0MTU3RERFODYwMTQwNAA="


def test_batch_matches_each_message_to_its_contact(meta_fixtures: Path) -> None:
    events = _parse(meta_fixtures, "batch-3-messages-2-contacts.json")
    assert [(e.sender.name, e.text) for e in events] == [
        ("Ana Souza", "Hi, is the shop open on Sunday?"),
        ("Bruno Keller", "unsubscribe"),
        ("Ana Souza", "Also, stop the promo messages thanks"),
    ]


def test_statuses(meta_fixtures: Path) -> None:
    [delivered] = _parse(meta_fixtures, "status-delivered.json")
    assert isinstance(delivered, StatusUpdate)
    assert (delivered.status, delivered.error_code) == ("delivered", None)
    [failed] = _parse(meta_fixtures, "status-failed-131050.json")
    assert (failed.status, failed.error_code) == ("failed", 131050)
    assert failed.recipient.key == "+15550105678"
    assert "stop receiving marketing" in (failed.error_title or "")
    [window] = _parse(meta_fixtures, "status-failed-131047.json")
    assert window.error_code == 131047


def test_user_preferences(meta_fixtures: Path) -> None:
    [stop] = _parse(meta_fixtures, "user-preferences-stop.json")
    [resume] = _parse(meta_fixtures, "user-preferences-resume.json")
    assert isinstance(stop, PreferenceChange)
    assert (stop.category, stop.action) == (MARKETING, ConsentAction.OPT_OUT)
    assert (resume.category, resume.action) == (MARKETING, ConsentAction.OPT_IN)
    assert stop.contact.key == "+15550109876" and stop.contact.name == "Carla Rossi"
    assert stop.occurred_at == datetime.fromtimestamp(1780308000, tz=UTC)
    assert stop.dedupe_key != resume.dedupe_key


def test_number_change_without_contacts(meta_fixtures: Path) -> None:
    system, change = _parse(meta_fixtures, "system-user-changed-number.json")
    assert system.kind is MessageKind.SYSTEM
    assert isinstance(change, NumberChange)
    assert (change.old.key, change.new.key) == ("+15550103456", "+15550107777")


def test_username_only_user_is_recorded(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    value = body["entry"][0]["changes"][0]["value"]
    del value["messages"][0]["from"]
    value["messages"][0]["from_user_id"] = "US.13491208655302741918"
    value["contacts"] = [{"profile": {"name": "Ana"}, "user_id": "US.13491208655302741918"}]
    [msg] = parse_envelope(body)
    assert msg.sender.kind is ContactKind.USER_ID
    assert (msg.sender.key, msg.sender.name) == ("US.13491208655302741918", "Ana")


def test_one_bad_message_does_not_lose_its_neighbours(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "batch-3-messages-2-contacts.json")
    messages = body["entry"][0]["changes"][0]["value"]["messages"]
    messages[1]["id"] = ["not", "an id"]  # no id: nothing to file it under (a bad text object is kept)
    events = parse_envelope(body)
    assert [type(e).__name__ for e in events] == ["InboundMessage", "UnparsedPayload", "InboundMessage"]
    assert "id" in events[1].reason


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        42,
        None,
        {},
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": "x"},
        {"object": "whatsapp_business_account", "entry": [None, 1, {"changes": {}}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [None, {"field": "messages"}]}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "x", "value": {}}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"id": 5}, "x"]}}]}],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"id": "w"}]}}]}],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "user_preferences", "value": {"user_preferences": [{}]}}]}],
        },
    ],
)
def test_strange_shapes_become_unparsed_never_raise(payload: object) -> None:
    events = parse_envelope(payload)
    assert events
    assert all(isinstance(e, UnparsedPayload) and e.reason for e in events)


def test_huge_timestamp_is_unreadable_not_a_crash(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "9" * 40
    [event] = parse_envelope(body)
    # The STOP is kept as a message; the pipeline files an unreadable time at its receipt.
    assert isinstance(event, InboundMessage) and event.occurred_at == UNREADABLE_TIME


def test_unknown_message_type_is_kept(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "text-stop.json")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "hologram"
    message["hologram"] = {"x": 1}
    del message["text"]
    [msg] = parse_envelope(copy.deepcopy(body))
    assert isinstance(msg, InboundMessage) and msg.kind is MessageKind.UNKNOWN
    assert msg.raw["hologram"] == {"x": 1}


def test_unknown_preference_category_is_unparsed(meta_fixtures: Path) -> None:
    body = _load(meta_fixtures, "user-preferences-stop.json")
    body["entry"][0]["changes"][0]["value"]["user_preferences"][0]["category"] = "utility_messages"
    [event] = parse_envelope(body)
    assert isinstance(event, UnparsedPayload) and "utility_messages" in event.reason


def test_not_json_raises_clear_error() -> None:
    with pytest.raises(MalformedBodyError, match="not valid JSON"):
        parse_body(b"{not json")
    with pytest.raises(MalformedBodyError):
        parse_body(b"\xff\xfe\x00garbage")


def test_absurd_nesting_is_kept_raw() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    [event] = parse_body(body)
    assert isinstance(event, UnparsedPayload) and "nested" in event.reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
known_keys = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "value",
        "field",
        "messages",
        "statuses",
        "contacts",
        "from",
        "id",
        "timestamp",
        "type",
        "text",
        "body",
        "button",
        "interactive",
        "user_preferences",
        "errors",
        "system",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "object": st.just("whatsapp_business_account"),
            "entry": st.lists(
                st.dictionaries(known_keys, json_values, max_size=4)
                | st.fixed_dictionaries(
                    {"changes": st.lists(st.dictionaries(known_keys, json_values, max_size=4), max_size=3)}
                ),
                max_size=3,
            ),
        }
    )
)
def test_any_json_envelope_parses_without_raising(payload: dict) -> None:
    events = parse_envelope(payload)
    for event in events:
        assert isinstance(
            event, InboundMessage | StatusUpdate | PreferenceChange | NumberChange | UnparsedPayload
        )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_either_parse_or_raise_the_clear_error(body: bytes) -> None:
    try:
        parse_body(body)
    except MalformedBodyError as exc:
        assert "not valid JSON" in str(exc)
