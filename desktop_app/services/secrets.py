"""API tokens in the OS keyring and nowhere else; refuses plainly when no keyring exists."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

import keyring
import keyring.backend
import keyring.core
import keyring.errors

log = logging.getLogger(__name__)

SERVICE = "consent-desk"

# Every secret the app knows, with the environment variable a headless `serve` may read instead.
SECRET_ENV: Mapping[str, str] = {
    "meta.access_token": "CONSENT_DESK_META_ACCESS_TOKEN",
    "meta.app_secret": "CONSENT_DESK_META_APP_SECRET",
    "meta.verify_token": "CONSENT_DESK_META_VERIFY_TOKEN",
    "ngrok.authtoken": "CONSENT_DESK_NGROK_AUTHTOKEN",
    "twilio.account_sid": "CONSENT_DESK_TWILIO_ACCOUNT_SID",
    "twilio.api_key": "CONSENT_DESK_TWILIO_API_KEY",
    "twilio.api_secret": "CONSENT_DESK_TWILIO_API_SECRET",
    "twilio.auth_token": "CONSENT_DESK_TWILIO_AUTH_TOKEN",
}


def no_keychain_message(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> str:
    """What is missing and how to get it, for the owner (Settings, first run)."""
    missing = "No system keychain is available, so passwords and tokens cannot be saved safely."
    if not platform.startswith("linux"):
        return f"{missing} Unlock your keychain (macOS Keychain, Windows Credential Manager) and try again."
    if not environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return (
            f"{missing} The app is running outside a desktop session, where the keychain lives. "
            "Start Consent Desk from your desktop, or install gnome-keyring (sudo apt install "
            "gnome-keyring) and start it again with “make run”, which then opens a keychain of its own."
        )
    return (
        f"{missing} Install a keychain (sudo apt install gnome-keyring, or KWallet / KeePassXC), "
        "unlock it, and open Settings again."
    )


class SecretStoreUnavailableError(RuntimeError):
    """No usable keyring: the secret was NOT stored anywhere."""


class SecretStore:
    """A thin, honest wrapper over `keyring` with one service name for the whole app."""

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        service: str = SERVICE,
    ) -> None:
        self._backend = backend
        self._environ = environ if environ is not None else os.environ
        self._service = service
        self._unreadable_reasons: set[str] = set()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def available(self) -> tuple[bool, str]:
        """Whether secrets can be kept safely, and a sentence the owner understands."""
        backend = self.backend
        try:
            usable = keyring.core.recommended(backend)
        except Exception:  # a broken backend must not crash the settings page
            usable = False
        name = type(backend).__module__.rsplit(".", 1)[-1] + "." + type(backend).__name__
        if not usable and not _is_test_backend(backend):
            return False, no_keychain_message()
        return True, f"Secrets are kept in the system keychain ({name})."

    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        if allow_env:
            env_name = SECRET_ENV.get(name)
            if env_name and self._environ.get(env_name):
                return self._environ[env_name]
        try:
            return self.backend.get_password(self._service, name)
        except keyring.errors.KeyringError as exc:
            self._warn_unreadable_once(type(exc).__name__)
            return None

    def _warn_unreadable_once(self, reason: str) -> None:
        # One sentence per store, not one per secret: a missing keychain is one problem.
        level = logging.DEBUG if reason in self._unreadable_reasons else logging.WARNING
        self._unreadable_reasons.add(reason)
        log.log(level, "The system keychain could not be read (%s); its secrets are unavailable", reason)

    def set(self, name: str, value: str) -> None:
        ok, message = self.available()
        if not ok:
            raise SecretStoreUnavailableError(message)
        try:
            self.backend.set_password(self._service, name, value)
        except keyring.errors.KeyringError as exc:
            raise SecretStoreUnavailableError(
                f"The system keychain refused to save it ({type(exc).__name__}). "
                "Unlock the keychain and try again."
            ) from exc

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(self._service, name)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("Keychain could not delete %s: %s", name, type(exc).__name__)


def _is_test_backend(backend: keyring.backend.KeyringBackend) -> bool:
    """In-memory backends that tests install through keyring's API count as available."""
    return bool(getattr(backend, "consent_desk_test_backend", False))
