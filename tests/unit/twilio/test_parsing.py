"""Twilio message JSON and webhook forms become the right domain events."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop_app.domain.model import InboundMessage, MessageKind, UnparsedPayload
from desktop_app.providers.twilio.parsing import (
    is_whatsapp_address,
    message_time,
    parse_message,
    parse_twilio_time,
    parse_webhook_form,
    strip_channel,
    unsubscribed_status,
    whatsapp_address,
)


def rest_message(**overrides: object) -> dict[str, object]:
    message: dict[str, object] = {
        "account_sid": "AC" + "a" * 32,
        "body": "STOP",
        "date_created": "Tue, 24 Nov 2026 23:59:58 +0000",
        "date_sent": "Tue, 24 Nov 2026 23:59:59 +0000",
        "direction": "inbound",
        "from": "whatsapp:+5511987650001",
        "num_media": "0",
        "sid": "SM" + "c" * 32,
        "status": "received",
        "to": "whatsapp:+15550100100",
    }
    message.update(overrides)
    return message


def test_inbound_text_message() -> None:
    event = parse_message(rest_message())
    assert isinstance(event, InboundMessage)
    assert event.provider == "twilio"
    assert event.provider_message_id == "SM" + "c" * 32
    assert event.sender.key == "+5511987650001"
    assert event.business_number == "+15550100100"
    assert event.kind is MessageKind.TEXT
    assert event.text == "STOP"
    assert event.button_payload is None
    assert event.occurred_at == datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC)
    assert event.raw is not None and event.raw["sid"] == event.provider_message_id


def test_outbound_messages_are_not_taken_in() -> None:
    for direction in ("outbound-api", "outbound-reply", "outbound-call", None):
        assert parse_message(rest_message(direction=direction)) is None


def test_button_fields_reach_the_detector_as_buttons() -> None:
    event = parse_message(
        rest_message(body="Stop promotions", ButtonText="Stop promotions", ButtonPayload="STOP_PROMO")
    )
    assert isinstance(event, InboundMessage)
    assert event.kind is MessageKind.BUTTON
    assert event.button_text == "Stop promotions"
    assert event.button_payload == "STOP_PROMO"

    snake = parse_message(rest_message(body="", button_text="Resume", button_payload="RESUME"))
    assert isinstance(snake, InboundMessage)
    assert (snake.kind, snake.text, snake.button_payload) == (MessageKind.BUTTON, "Resume", "RESUME")


def test_media_message_keeps_caption_and_kind() -> None:
    event = parse_message(rest_message(body="", num_media="1"))
    assert isinstance(event, InboundMessage)
    assert event.kind is MessageKind.UNKNOWN
    assert event.text is None


def test_malformed_inbound_is_kept_raw_not_dropped() -> None:
    broken_messages = (
        rest_message(sid=None),
        rest_message(**{"from": ""}),
    )
    for broken in broken_messages:
        event = parse_message(broken)
        assert isinstance(event, UnparsedPayload)
        assert event.provider == "twilio"
        assert event.raw == broken


def test_time_falls_back_to_date_created_and_is_utc() -> None:
    raw = rest_message(date_sent=None)
    assert message_time(raw) == datetime(2026, 11, 24, 23, 59, 58, tzinfo=UTC)
    assert parse_twilio_time("Wed, 25 Nov 2026 01:00:00 +0100") == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert parse_twilio_time("not a date") is None
    assert parse_twilio_time(None) is None


def test_addresses() -> None:
    assert strip_channel("whatsapp:+15550100100") == "+15550100100"
    assert strip_channel(" WhatsApp:+1555 ") == "+1555"
    assert strip_channel("+15550100100") == "+15550100100"
    assert whatsapp_address("+15550100100") == "whatsapp:+15550100100"
    assert whatsapp_address("whatsapp:+15550100100") == "whatsapp:+15550100100"


def test_webhook_form_with_button() -> None:
    received = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    event = parse_webhook_form(
        {
            "MessageSid": "SM" + "d" * 32,
            "From": "whatsapp:+34600100200",
            "To": "whatsapp:+15550100100",
            "Body": "Stop promotions",
            "ButtonText": "Stop promotions",
            "ButtonPayload": "STOP_PROMO",
            "ProfileName": "Lucía",
            "OriginalRepliedMessageSid": "SM" + "e" * 32,
        },
        received,
    )
    assert isinstance(event, InboundMessage)
    assert event.sender.key == "+34600100200"
    assert event.sender.name == "Lucía"
    assert event.kind is MessageKind.BUTTON
    assert event.button_payload == "STOP_PROMO"
    assert event.context_message_id == "SM" + "e" * 32
    assert event.occurred_at == received


def test_webhook_form_with_image_and_incomplete_form() -> None:
    received = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    image = parse_webhook_form(
        {"MessageSid": "SM1", "From": "whatsapp:+1555", "NumMedia": "1", "MediaContentType0": "image/jpeg"},
        received,
    )
    assert isinstance(image, InboundMessage) and image.kind is MessageKind.IMAGE
    assert isinstance(parse_webhook_form({"Body": "hi"}, received), UnparsedPayload)


def test_unsubscribed_status_carries_21610() -> None:
    when = datetime(2026, 11, 25, 10, 0, 1, 500, tzinfo=UTC)
    status = unsubscribed_status("whatsapp:+15550101234", when)
    assert status.error_code == 21610
    assert status.status == "failed"
    assert status.recipient.key == "+15550101234"
    assert status.occurred_at == when
    assert status.provider_message_id.startswith("twilio-21610:+15550101234:")


def test_whatsapp_address_check() -> None:
    assert is_whatsapp_address("whatsapp:+15550100100")
    assert is_whatsapp_address(" WhatsApp:+447700900123 ")
    for bad in (
        "",
        "+15550100100",
        "whatsapp:15550100100",
        "whatsapp:+1",
        "whatsapp:+1555abc0100",
        "sms:+15550100100",
    ):
        assert not is_whatsapp_address(bad)
