"""Our X-Twilio-Signature check accepts exactly what Twilio's own RequestValidator signs."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from desktop_app.providers.twilio.signature import is_valid_signature, twilio_signature

TOKEN = "12345abcdef-auth-token"
PUBLIC_URL = "https://quiet-lake-1234.trycloudflare.com/twilio/inbound?shop=rosa"
FORM = {
    "SmsMessageSid": "SM" + "1" * 32,
    "NumMedia": "0",
    "ProfileName": "Lucía Pérez",
    "MessageType": "button",
    "WaId": "34600100200",
    "Body": "Stop promotions",
    "ButtonText": "Stop promotions",
    "ButtonPayload": "STOP_MARKETING",
    "To": "whatsapp:+15550100100",
    "From": "whatsapp:+34600100200",
    "MessageSid": "SM" + "1" * 32,
    "AccountSid": "AC" + "2" * 32,
    "ApiVersion": "2010-04-01",
}


def test_signature_matches_twilio_library() -> None:
    expected = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, FORM)
    assert twilio_signature(PUBLIC_URL, FORM, TOKEN) == expected


def test_valid_request_signed_by_twilio_is_accepted() -> None:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, FORM)
    assert is_valid_signature(PUBLIC_URL, FORM, signature, TOKEN)


def test_repeated_fields_are_sorted_like_twilio() -> None:
    pairs = [("MediaUrl0", "https://b"), ("Body", "hi"), ("MediaUrl0", "https://a")]

    class MultiDict(dict):
        def getall(self, name: str) -> list[str]:
            return [v for k, v in pairs if k == name]

    expected = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, MultiDict(pairs))
    assert is_valid_signature(PUBLIC_URL, pairs, expected, TOKEN)


@pytest.mark.parametrize(
    ("signed_url", "checked_url"),
    [
        ("https://quiet-lake-1234.trycloudflare.com:443/twilio/inbound", PUBLIC_URL.split("?")[0]),
        (PUBLIC_URL.split("?")[0], "https://quiet-lake-1234.trycloudflare.com:443/twilio/inbound"),
    ],
)
def test_default_port_spelling_does_not_matter(signed_url: str, checked_url: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed_url, FORM)
    assert is_valid_signature(checked_url, FORM, signature, TOKEN)


def test_localhost_url_does_not_validate_a_tunnel_signature() -> None:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, FORM)
    assert not is_valid_signature("http://127.0.0.1:8787/twilio/inbound?shop=rosa", FORM, signature, TOKEN)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda f: {**f, "Body": "Start"},
        lambda f: {**f, "Extra": "x"},
        lambda f: {k: v for k, v in f.items() if k != "ButtonPayload"},
        lambda f: {**f, "Body": f["Body"] + " "},
    ],
)
def test_tampered_form_is_rejected(tamper) -> None:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, FORM)
    assert not is_valid_signature(PUBLIC_URL, tamper(FORM), signature, TOKEN)


def test_wrong_token_missing_or_empty_signature_rejected() -> None:
    signature = RequestValidator("another-token").compute_signature(PUBLIC_URL, FORM)
    assert not is_valid_signature(PUBLIC_URL, FORM, signature, TOKEN)
    assert not is_valid_signature(PUBLIC_URL, FORM, None, TOKEN)
    assert not is_valid_signature(PUBLIC_URL, FORM, "", TOKEN)
    assert not is_valid_signature(PUBLIC_URL, FORM, signature, "")
