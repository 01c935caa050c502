"""Twilio's inbound webhook on the shared local server: signed against the public URL, stored before 200."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from desktop_app.services.twilio_runner import TWILIO_PATH, TwilioWebhookRoute
from desktop_app.services.webhook_server import WebhookServer
from desktop_app.storage.book import ConsentBook
from tests.integration.twilio.booktools import make_pipeline, open_book, stored_inbound_sids

TOKEN = "webhook-auth-token"
PUBLIC = "https://quiet-lake-1234.trycloudflare.com"
FORM = {
    "MessageSid": "SM" + "7" * 32,
    "SmsMessageSid": "SM" + "7" * 32,
    "AccountSid": "AC" + "a1" * 16,
    "From": "whatsapp:+34600100200",
    "To": "whatsapp:+15550100100",
    "Body": "Stop promotions",
    "ButtonText": "Stop promotions",
    "ButtonPayload": "STOP_PROMOTIONS",
    "ProfileName": "Lucía",
    "WaId": "34600100200",
    "NumMedia": "0",
    "MessageType": "button",
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebhookServer, ConsentBook, Path]]:
    path = tmp_path / "book.sqlite3"
    book = open_book(path)
    server = WebhookServer("127.0.0.1", 0)
    TwilioWebhookRoute(auth_token=TOKEN, public_url=PUBLIC + "/", ingest=make_pipeline(book).ingest).mount(
        server
    )
    server.start()
    try:
        yield server, book, path
    finally:
        server.stop()
        book.close()


def post(
    server: WebhookServer, form: dict[str, str], signature: str | None, query: str = ""
) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    with requests.Session() as session:
        url = server.base_url + TWILIO_PATH + query
        return session.post(url, data=urlencode(form), headers=headers, timeout=10)


def test_signed_button_tap_is_stored_and_applied(served) -> None:
    server, book, path = served
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + TWILIO_PATH, FORM)
    response = post(server, FORM, signature)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert b"<Response>" in response.content
    assert stored_inbound_sids(path) == [FORM["MessageSid"]]
    assert book.consent_state("+34600100200")["marketing"].state == "opted_out"
    # Twilio retries deliver the same SID again: stored once.
    assert post(server, FORM, signature).status_code == 200
    assert stored_inbound_sids(path) == [FORM["MessageSid"]]


@pytest.mark.expect_log(level="WARNING", match=r"^Refused a Twilio webhook")
def test_signature_made_for_localhost_is_refused(served) -> None:
    server, _, path = served
    local = RequestValidator(TOKEN).compute_signature(server.base_url + TWILIO_PATH, FORM)
    response = post(server, FORM, local)
    assert response.status_code == 403
    assert "public URL" in response.text
    assert stored_inbound_sids(path) == []


@pytest.mark.expect_log(level="WARNING", match=r"^Refused a Twilio webhook")
def test_missing_or_wrong_signature_or_tampering_is_refused(served) -> None:
    server, _, path = served
    good = RequestValidator(TOKEN).compute_signature(PUBLIC + TWILIO_PATH, FORM)
    assert post(server, FORM, None).status_code == 401
    assert post(server, {**FORM, "Body": "START"}, good).status_code == 403
    wrong = RequestValidator("other-token").compute_signature(PUBLIC + TWILIO_PATH, FORM)
    assert post(server, FORM, wrong).status_code == 403
    assert stored_inbound_sids(path) == []


def test_status_callback_with_21610_records_the_opt_out(served) -> None:
    server, book, _ = served
    form = {
        "MessageSid": "SM" + "8" * 32,
        "MessageStatus": "failed",
        "ErrorCode": "21610",
        "To": "whatsapp:+15550101234",
        "From": "whatsapp:+15550100100",
        "AccountSid": "AC" + "a1" * 16,
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + TWILIO_PATH, form)
    assert post(server, form, signature).status_code == 200
    assert book.consent_state("+15550101234")["all"].state == "opted_out"


def test_query_string_is_part_of_the_signed_url(served) -> None:
    server, _, path = served
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + TWILIO_PATH + "?shop=rosa%27s", FORM)
    assert post(server, FORM, signature, query="?shop=rosa%27s").status_code == 200
    assert stored_inbound_sids(path) == [FORM["MessageSid"]]
