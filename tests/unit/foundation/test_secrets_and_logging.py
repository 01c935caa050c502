"""Secrets go to the keyring or nowhere; logs redact anything secret-shaped."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from desktop_app.services.logging_setup import redact, setup_logging
from desktop_app.services.secrets import SecretStore, SecretStoreUnavailableError


def test_secret_round_trip_through_the_keyring(memory_keyring) -> None:
    store = SecretStore()
    store.set("meta.access_token", "EAAtokenvalue")
    assert store.get("meta.access_token") == "EAAtokenvalue"
    assert memory_keyring.store[("consent-desk", "meta.access_token")] == "EAAtokenvalue"
    store.delete("meta.access_token")
    assert store.get("meta.access_token") is None
    store.delete("meta.access_token")  # deleting twice is not an error


@pytest.mark.expect_log(level="WARNING", match=r"keychain could not be read")
def test_without_a_keyring_nothing_is_saved_and_the_owner_is_told() -> None:
    store = SecretStore(backend=keyring.backends.fail.Keyring())
    ok, message = store.available()
    assert not ok
    assert "keychain" in message.lower()
    with pytest.raises(SecretStoreUnavailableError):
        store.set("meta.app_secret", "s3cret")
    assert store.get("meta.app_secret") is None


@pytest.mark.expect_log(level="WARNING", match=r"keychain could not be read")
def test_an_unreadable_keychain_is_reported_once_not_per_secret(caplog: pytest.LogCaptureFixture) -> None:
    store = SecretStore(backend=keyring.backends.fail.Keyring())
    with caplog.at_level(logging.DEBUG, logger="desktop_app.services.secrets"):
        for name in ("meta.access_token", "meta.app_secret", "twilio.auth_token"):
            assert store.get(name) is None
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "keychain could not be read" in warnings[0].getMessage().lower()
    assert "meta.app_secret" not in warnings[0].getMessage()  # names of secrets are not the news


def test_env_fallback_only_when_asked() -> None:
    store = SecretStore(environ={"CONSENT_DESK_META_APP_SECRET": "from-env"})
    assert store.get("meta.app_secret") is None
    assert store.get("meta.app_secret", allow_env=True) == "from-env"


@pytest.mark.parametrize(
    "text",
    [
        "token EAAGm0PX4ZCpsBAKZCvZBq2ZAZAqwerty123456",
        "sid ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa used",
        "url?access_token=abc.def&x=1",
        "secret 0123456789abcdef0123456789abcdef",
    ],
)
def test_redact_scrubs_secret_shapes(text: str) -> None:
    assert "[redacted]" in redact(text)


def test_log_file_never_receives_a_secret(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    logger = logging.getLogger("desktop_app.test")
    logger.info("calling graph with access_token=%s", "EAAGm0PX4ZCpsBAKZCvZBq2ZAZAsecret")
    for handler in logging.getLogger().handlers:
        handler.flush()
    content = path.read_text(encoding="utf-8")
    assert "calling graph" in content
    assert "EAAGm0PX4ZCpsBAKZCvZBq2ZAZAsecret" not in content
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_consent_desk", False):
            logging.getLogger().removeHandler(handler)
            handler.close()
