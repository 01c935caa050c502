"""Twilio error answers map to the app's kinds and plain owner messages."""

from __future__ import annotations

import pytest

from desktop_app.providers.twilio.errors import TwilioErrorKind, error_from_response


@pytest.mark.parametrize(
    ("status", "body", "kind", "retryable"),
    [
        (401, {"code": 20003, "message": "Authenticate", "status": 401}, TwilioErrorKind.AUTH, False),
        (401, None, TwilioErrorKind.AUTH, False),
        (429, {"code": 20429, "message": "Too Many Requests"}, TwilioErrorKind.RATE_LIMITED, True),
        (429, None, TwilioErrorKind.RATE_LIMITED, True),
        (503, "<html>", TwilioErrorKind.SERVER, True),
        (500, {"code": 20500, "message": "Internal"}, TwilioErrorKind.SERVER, True),
        (400, {"code": 21610, "message": "unsubscribed"}, TwilioErrorKind.OPTED_OUT, False),
        (400, {"code": "63016", "message": "outside"}, TwilioErrorKind.OUTSIDE_WINDOW, False),
        (400, {"code": 63007, "message": "no channel"}, TwilioErrorKind.NOT_WHATSAPP_SENDER, False),
        (404, {"code": 20404, "message": "not found"}, TwilioErrorKind.NOT_FOUND, False),
        (400, {"code": 21211, "message": "bad To"}, TwilioErrorKind.BAD_REQUEST, False),
    ],
)
def test_mapping(status: int, body: object, kind: TwilioErrorKind, retryable: bool) -> None:
    error = error_from_response(status, body)
    assert error.kind is kind
    assert error.retryable is retryable
    assert error.http_status == status


def test_owner_messages_are_plain() -> None:
    assert (
        error_from_response(401, {"code": 20003}).owner_message()
        == "Twilio rejected the credentials (401). Check the API Key SID and Secret."
    )
    other = error_from_response(400, {"code": 21211, "message": "The 'To' number is not valid"})
    expected = "Twilio refused the request (error 21211, HTTP 400): The 'To' number is not valid"
    assert other.owner_message() == expected
    assert "21610" in error_from_response(400, {"code": 21610}).owner_message()
