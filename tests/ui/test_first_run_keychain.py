"""First run without a system keychain: the welcome says what is missing and how to get one."""

from __future__ import annotations

import keyring.backends.fail

from desktop_app.services.secrets import SecretStore, no_keychain_message
from desktop_app.services.ui_services import ui_services_for
from desktop_app.ui.first_run import FirstRunDialog
from tests.ui.conftest import settle


def first_run_dialog(qtbot, runtime):
    from desktop_app.ui.main_window import MainWindow

    main = MainWindow(ui_services_for(runtime))  # no settings file yet: first run
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.findChild(FirstRunDialog) is not None)
    settle(qtbot, main)
    return main, main.findChild(FirstRunDialog)


def test_without_a_keychain_the_welcome_says_how_to_get_one(qtbot, runtime):
    runtime.secrets = SecretStore(backend=keyring.backends.fail.Keyring())
    main, dialog = first_run_dialog(qtbot, runtime)
    note = dialog.keychain_note
    assert note.isVisible()
    assert note.text().startswith("⚠ To connect a number (the demo works without): No system keychain")
    assert no_keychain_message() in note.text() and "gnome-keyring" in note.text()
    assert dialog.buttons["demo"].isChecked()  # the demo needs no keychain
    dialog.reject()
    main.shutdown()


def test_with_a_keychain_the_welcome_says_nothing_about_it(qtbot, runtime):
    main, dialog = first_run_dialog(qtbot, runtime)
    assert not dialog.keychain_note.isVisible()
    dialog.reject()
    main.shutdown()
