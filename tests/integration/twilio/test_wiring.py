"""How the app builds Twilio: secrets from the keyring (env only when headless), the running connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.providers.base import ConnectionState
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.provider import TwilioProvider
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from desktop_app.services.twilio_runner import (
    TwilioConnection,
    build_provider,
    check_connection,
    load_credentials,
)
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, BUSINESS, FakeTwilio
from tests.integration.twilio.booktools import make_pipeline, open_book, stored_inbound_sids
from tests.integration.twilio.helpers import StateLog, wait_for


def settings_for(fake: FakeTwilio, **kw: object) -> Settings:
    return Settings(provider="twilio", twilio_from=BUSINESS, twilio_base_url=fake.base_url, **kw)  # type: ignore[arg-type]


def save_api_key(secrets: SecretStore) -> None:
    secrets.set("twilio.account_sid", ACCOUNT_SID)
    secrets.set("twilio.api_key", API_KEY)
    secrets.set("twilio.api_secret", API_SECRET)


def test_keyring_credentials_and_test_connection(fake_twilio: FakeTwilio) -> None:
    secrets = SecretStore()
    save_api_key(secrets)
    provider = build_provider(settings_for(fake_twilio), secrets)
    try:
        check = provider.test_connection()
    finally:
        provider.close()
    assert check.ok and check.state is ConnectionState.CONNECTED


def test_auth_token_is_the_fallback() -> None:
    secrets = SecretStore()
    secrets.set("twilio.account_sid", ACCOUNT_SID)
    secrets.set("twilio.auth_token", AUTH_TOKEN)
    assert load_credentials(secrets) == TwilioCredentials(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN)


def test_environment_is_read_only_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSENT_DESK_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("CONSENT_DESK_TWILIO_API_KEY", API_KEY)
    monkeypatch.setenv("CONSENT_DESK_TWILIO_API_SECRET", API_SECRET)
    with pytest.raises(ValueError, match="Settings → Connection") as caught:
        load_credentials(SecretStore())
    assert "CONSENT_DESK_" not in str(caught.value)  # the GUI does not point owners at env vars
    assert load_credentials(SecretStore(), allow_env=True).username == API_KEY


def test_connection_polls_reports_and_stops(fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    secrets = SecretStore()
    save_api_key(secrets)
    sid = fake_twilio.add_message(
        "whatsapp:+15550101234", "STOP", date_sent=datetime.now(UTC) - timedelta(minutes=1)
    )
    states = StateLog()
    path = tmp_path / "book.sqlite3"
    with open_book(path) as book:
        pipeline = make_pipeline(book, settings_for(fake_twilio))
        connection = TwilioConnection(
            pipeline, settings_for(fake_twilio, twilio_poll_seconds=60.0), secrets, on_state=states
        )
        assert pipeline.sender is connection.provider
        assert connection.route is None  # no auth token / public URL: polling only
        connection.start()
        try:
            assert wait_for(lambda: stored_inbound_sids(path) == [sid])
            assert wait_for(lambda: any("Last check" in m for m in states.messages()))
            second = fake_twilio.add_message("whatsapp:+15550102222", "hi", date_sent=datetime.now(UTC))
            connection.apply_settings(settings_for(fake_twilio, twilio_poll_seconds=30.0))
            assert wait_for(lambda: second in stored_inbound_sids(path))
            assert connection.poller.interval == 30.0
        finally:
            assert connection.stop(timeout=10)
        assert states.states()[-1] is ConnectionState.POLLING


def test_existing_twilio_sender_gets_the_21610_hook(fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    secrets = SecretStore()
    save_api_key(secrets)
    with open_book(tmp_path / "book.sqlite3") as book:
        sender = TwilioProvider(
            TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, API_SECRET), fake_twilio.base_url), BUSINESS
        )
        pipeline = make_pipeline(book, settings_for(fake_twilio), sender=sender)
        connection = TwilioConnection(pipeline, settings_for(fake_twilio), secrets)
        try:
            assert pipeline.sender is sender
            assert sender.on_opt_out is not None
            fake_twilio.state.unsubscribed.add("whatsapp:+15550103333")
            assert sender.send_text("+15550103333", "hello").recipient_opted_out
            assert book.consent_state("+15550103333")["all"].state == "opted_out"
        finally:
            connection.stop(timeout=5)
            sender.close()


def test_webhook_route_when_auth_token_and_public_url_are_set(
    fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    secrets = SecretStore()
    save_api_key(secrets)
    secrets.set("twilio.auth_token", AUTH_TOKEN)
    with open_book(tmp_path / "book.sqlite3") as book:
        settings = settings_for(fake_twilio, public_url="https://shop.example.com")
        connection = TwilioConnection(make_pipeline(book, settings), settings, secrets)
        try:
            assert connection.route is not None
        finally:
            connection.stop(timeout=5)


def test_connection_refuses_a_number_that_is_not_a_whatsapp_address(
    fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    secrets = SecretStore()
    save_api_key(secrets)
    with open_book(tmp_path / "book.sqlite3") as book:
        settings = settings_for(fake_twilio)
        settings.twilio_from = "+15550100100"
        with pytest.raises(ValueError, match="whatsapp:\\+"):
            TwilioConnection(make_pipeline(book, settings), settings, secrets)
    assert fake_twilio.state.requests == []


def test_check_connection_for_the_settings_page(fake_twilio: FakeTwilio) -> None:
    secrets = SecretStore()
    missing = check_connection(settings_for(fake_twilio), secrets)
    assert (missing.ok, missing.state) == (False, ConnectionState.NOT_CONFIGURED)
    assert missing.message.startswith("The Twilio Account SID (AC...) is missing.")
    secrets.set("twilio.account_sid", ACCOUNT_SID)
    secrets.set("twilio.auth_token", "not-the-token")
    wrong = check_connection(settings_for(fake_twilio), secrets)
    assert wrong.message == "Twilio rejected the credentials (401). Check the Account SID and Auth Token."
    secrets.set("twilio.auth_token", AUTH_TOKEN)
    assert check_connection(settings_for(fake_twilio), secrets).ok
