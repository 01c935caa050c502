"""TwilioProvider as the app's Sender: sends, refusals (21610, 63016) and Test connection."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from desktop_app.domain.model import StatusUpdate
from desktop_app.providers.base import ConnectionState, Sender
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.provider import TwilioProvider
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, BUSINESS, FakeTwilio

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def provider_for(
    fake: FakeTwilio, client: TwilioClient, from_: str = BUSINESS, **kw: object
) -> TwilioProvider:
    return TwilioProvider(client, from_, clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def test_is_a_sender(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    provider: Sender = provider_for(fake_twilio, twilio_client)
    assert provider.name == "twilio"


def test_send_text_inside_window(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    result = provider_for(fake_twilio, twilio_client).send_text(
        "+15550101234", "You will get no more messages."
    )
    assert result.ok
    assert result.provider_message_id is not None and result.provider_message_id.startswith("SM")
    sent = fake_twilio.sent()
    assert [(m["to"], m["from"], m["body"]) for m in sent] == [
        ("whatsapp:+15550101234", BUSINESS, "You will get no more messages.")
    ]


def test_21610_is_reported_as_opt_out_status(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    fake_twilio.state.unsubscribed.add("whatsapp:+15550101234")
    signals: list[object] = []
    result = provider_for(fake_twilio, twilio_client, on_opt_out=signals.append).send_text(
        "+15550101234", "Hello"
    )
    assert not result.ok
    assert result.recipient_opted_out
    assert result.error_code == 21610
    assert not result.retryable
    assert len(signals) == 1
    status = signals[0]
    assert isinstance(status, StatusUpdate)
    assert (status.error_code, status.recipient.key, status.occurred_at) == (21610, "+15550101234", NOW)


def test_63016_outside_window_then_template_goes_through(
    fake_twilio: FakeTwilio, twilio_client: TwilioClient
) -> None:
    fake_twilio.state.outside_window.add("whatsapp:+15550101234")
    provider = provider_for(fake_twilio, twilio_client)
    refused = provider.send_text("+15550101234", "late confirmation")
    assert not refused.ok and refused.outside_window and refused.error_code == 63016
    assert "24-hour window" in (refused.error_message or "")
    template = provider.send_template("+15550101234", "HX" + "2" * 32, {"1": "Ana"})
    assert template.ok
    assert fake_twilio.sent()[-1]["content_sid"] == "HX" + "2" * 32


def test_wrong_from_is_not_a_whatsapp_sender(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    result = provider_for(fake_twilio, twilio_client, from_="whatsapp:+15559999999").send_text("+1555", "x")
    assert not result.ok and result.error_code == 63007
    assert "not a WhatsApp sender" in (result.error_message or "")


def test_test_connection_ok(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    fake_twilio.add_message("whatsapp:+15550101234", "hi", date_sent=NOW)
    check = provider_for(fake_twilio, twilio_client).test_connection()
    assert check.ok
    assert check.state is ConnectionState.CONNECTED
    assert "Rosa's Bakery" in check.message and BUSINESS in check.message
    assert "No messages" not in check.message


def test_test_connection_hints_when_no_messages(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    check = provider_for(fake_twilio, twilio_client).test_connection()
    assert check.ok and "No messages to this number yet" in check.message


def test_test_connection_bad_credentials(fake_twilio: FakeTwilio) -> None:
    creds = TwilioCredentials(ACCOUNT_SID, API_KEY, "wrong-secret")
    with TwilioClient(creds, fake_twilio.base_url) as client:
        check = TwilioProvider(client, BUSINESS).test_connection()
    assert not check.ok
    assert check.state is ConnectionState.BAD_CREDENTIALS
    assert check.message == "Twilio rejected the credentials (401). Check the API Key SID and Secret."


def test_test_connection_wrong_auth_token_names_it(fake_twilio: FakeTwilio) -> None:
    creds = TwilioCredentials.choose(ACCOUNT_SID, auth_token="wrong-token")
    with TwilioClient(creds, fake_twilio.base_url) as client:
        check = TwilioProvider(client, BUSINESS).test_connection()
    assert check.state is ConnectionState.BAD_CREDENTIALS
    assert check.message == "Twilio rejected the credentials (401). Check the Account SID and Auth Token."


def test_test_connection_unknown_account(fake_twilio: FakeTwilio) -> None:
    creds = TwilioCredentials("AC" + "9" * 32, "AC" + "9" * 32, "x")
    fake_twilio._logins.add(("AC" + "9" * 32, "x"))
    with TwilioClient(creds, fake_twilio.base_url) as client:
        check = TwilioProvider(client, BUSINESS).test_connection()
    assert check.state is ConnectionState.BAD_CREDENTIALS
    assert "Account SID" in check.message


def test_test_connection_offline_is_fast_and_plain(fake_twilio: FakeTwilio) -> None:
    url = fake_twilio.base_url
    fake_twilio.close()
    creds = TwilioCredentials(ACCOUNT_SID, API_KEY, "x")
    started = time.monotonic()
    with TwilioClient(creds, url) as client:
        check = TwilioProvider(client, BUSINESS).test_connection()
    assert check.state is ConnectionState.OFFLINE
    assert check.message == "Cannot reach Twilio. Check the internet connection."
    assert time.monotonic() - started < 30  # bounded by the short test timeouts, not the poll timeouts


def test_test_connection_needs_a_whatsapp_from(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    for bad in ("", "+15550100100", "whatsapp:15550100100", "whatsapp:+1"):
        check = provider_for(fake_twilio, twilio_client, from_=bad).test_connection()
        assert check.state is ConnectionState.NOT_CONFIGURED
        assert "whatsapp:+" in check.message
    assert fake_twilio.state.requests == []
