"""The real Secret Service (gnome-keyring on D-Bus) keeps our secrets; run by `make test` when present."""

from __future__ import annotations

import os
import uuid

import pytest

pytestmark = pytest.mark.secret_service


@pytest.fixture
def secret_service_backend():
    if not os.environ.get("CONSENT_DESK_SECRET_SERVICE"):
        pytest.skip(
            "no private D-Bus session with gnome-keyring: run through `make test` "
            "(scripts/run-tests.sh) on a machine with dbus and gnome-keyring installed"
        )
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    try:
        SecretService.Keyring.priority  # noqa: B018 - raises when the service is not viable
    except Exception as exc:
        pytest.skip(f"Secret Service not viable here: {exc}")
    return backend


def test_secret_round_trip_through_gnome_keyring(secret_service_backend) -> None:
    from desktop_app.services.secrets import SecretStore

    service = f"consent-desk-test-{uuid.uuid4().hex[:8]}"
    store = SecretStore(backend=secret_service_backend, service=service)
    ok, message = store.available()
    assert ok, message
    assert "SecretService" in message
    store.set("meta.access_token", "EAA-real-keyring-value")
    # Read back through a fresh backend object: the value lives in the daemon, not in our process.
    from keyring.backends import SecretService

    assert SecretService.Keyring().get_password(service, "meta.access_token") == "EAA-real-keyring-value"
    store.delete("meta.access_token")
    assert store.get("meta.access_token") is None
