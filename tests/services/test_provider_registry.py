"""The provider registry: every provider the settings accept is registered, and each spec is whole."""

from __future__ import annotations

import pytest

from desktop_app.providers.base import ConnectionState
from desktop_app.services.connections import NotConfiguredError, UnconfiguredSender
from desktop_app.services.provider_registry import PROVIDER_NAMES, SERVABLE, provider_spec
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import PROVIDERS, Settings


def test_the_registry_knows_exactly_the_providers_settings_accept() -> None:
    assert set(PROVIDER_NAMES) == set(PROVIDERS)
    assert set(SERVABLE) <= set(PROVIDER_NAMES) and "demo" not in SERVABLE
    for name in PROVIDER_NAMES:
        spec = provider_spec(name)
        assert spec.name == name and spec.label


def test_an_unknown_provider_is_a_sentence_for_the_owner() -> None:
    with pytest.raises(NotConfiguredError, match="Unknown provider 'carrier-pigeon'"):
        provider_spec("carrier-pigeon")


@pytest.mark.parametrize("name", ["meta", "twilio"])
def test_without_credentials_there_is_no_running_sender_and_test_connection_says_what_is_missing(
    name: str,
) -> None:
    spec = provider_spec(name)
    settings = Settings(provider=name)
    assert spec.running_sender(settings, SecretStore()) is None
    sender = spec.sender_for(settings, SecretStore())
    assert isinstance(sender, UnconfiguredSender) or spec.round_trip is not None
    assert sender.test_connection().state is ConnectionState.NOT_CONFIGURED
    check = spec.check_connection(settings, SecretStore())
    assert (check.ok, check.state) == (False, ConnectionState.NOT_CONFIGURED)
    assert "Settings → Connection" in check.message


def test_the_demo_needs_no_account() -> None:
    spec = provider_spec("demo")
    assert spec.check_connection(Settings(), SecretStore()).state is ConnectionState.DEMO
