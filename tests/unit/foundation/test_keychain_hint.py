"""No keychain: the window says what is missing and how to get one, for the machine it runs on."""

from __future__ import annotations

import keyring.backends.fail
import pytest

from desktop_app.services.secrets import SecretStore, no_keychain_message


def test_outside_a_desktop_session_it_names_the_session_and_gnome_keyring() -> None:
    message = no_keychain_message("linux", {})
    assert "outside a desktop session" in message
    assert "sudo apt install gnome-keyring" in message
    assert "make run" in message


def test_inside_a_session_without_a_keychain_it_says_to_install_one() -> None:
    message = no_keychain_message("linux", {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"})
    assert "outside a desktop session" not in message
    assert "gnome-keyring" in message and "unlock it" in message


def test_elsewhere_it_names_the_platform_keychains() -> None:
    assert "Windows Credential Manager" in no_keychain_message("win32", {})
    assert "gnome-keyring" not in no_keychain_message("darwin", {})


@pytest.mark.expect_log(level="WARNING", match=r"keychain could not be read")
def test_the_store_reports_the_hint() -> None:
    ok, message = SecretStore(backend=keyring.backends.fail.Keyring()).available()
    assert not ok and message == no_keychain_message()
