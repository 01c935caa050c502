"""Settings: secrets to the keychain and nowhere else, refusal without one, keywords live, templates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from desktop_app.services.secrets import SecretStore
from desktop_app.services.ui_services import ui_services_for
from desktop_app.ui.first_run import FirstRunDialog
from tests.ui.conftest import settle

TOKEN = "EAAGm0PX4ZCpsBAGZCZBtheSECRETtoken1234567890"
APP_SECRET = "a1b2c3d4e5f6-app-secret-never-on-disk"


def save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.ops.idle, timeout=5000)  # the settings are written on the book writer


def every_file_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_credentials_go_to_the_keyring_and_nowhere_else(
    qtbot, window, runtime, memory_keyring, isolated_data_dir
):
    dialog = window.open_settings()
    settle(qtbot, window)  # the keychain is asked off the UI thread
    connection = dialog.connection
    qtbot.mouseClick(connection.provider_buttons["meta"], Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    assert connection.meta_box.isVisible() and connection.webhook_box.isVisible()
    assert connection.keychain_label.text().startswith("✓ Secrets are kept in the system keychain")
    qtbot.keyClicks(connection.phone_number_id, "106540352242922")
    qtbot.keyClicks(connection.secret_fields["meta.access_token"], TOKEN)
    qtbot.keyClicks(connection.secret_fields["meta.app_secret"], APP_SECRET)
    connection.port.setValue(8899)

    save(qtbot, dialog)

    assert memory_keyring.store[("consent-desk", "meta.access_token")] == TOKEN
    assert memory_keyring.store[("consent-desk", "meta.app_secret")] == APP_SECRET
    assert runtime.settings.provider == "meta"
    assert runtime.settings.meta_phone_number_id == "106540352242922"
    assert runtime.settings.webhook_port == 8899
    window.save_geometry()  # QSettings written too
    files = every_file_under(isolated_data_dir)
    assert runtime.paths.settings_path in files
    assert runtime.paths.config_dir / "window.ini" in files
    for path in files:
        content = path.read_bytes()
        assert TOKEN.encode() not in content, path
        assert APP_SECRET.encode() not in content, path
    assert "Restart Consent Desk" in window.status.currentMessage()

    reopened = window.open_settings()
    settle(qtbot, window)
    field = reopened.connection.secret_fields["meta.access_token"]
    assert field.text() == ""  # a saved secret is never shown again
    assert "Saved in the system keychain" in field.placeholderText()
    reopened.reject()


@pytest.mark.expect_log(level="WARNING", match=r"keychain could not be read")
def test_without_a_keychain_it_says_so_and_saves_nothing(qtbot, window, runtime, memory_keyring):
    runtime.secrets = SecretStore(backend=keyring.backends.fail.Keyring())
    dialog = window.open_settings(provider="twilio")
    settle(qtbot, window)
    connection = dialog.connection
    available, message = runtime.secrets.available()
    assert not available
    assert connection.keychain_label.text() == "⚠ " + message
    field = connection.secret_fields["twilio.auth_token"]
    assert not field.isEnabled()

    field.setEnabled(True)  # even if a value gets typed somehow, it is refused
    qtbot.keyClicks(field, "twilio-auth-token-value")
    save(qtbot, dialog)

    assert dialog.isVisible()
    assert dialog.error.isVisible() and "Nothing was saved" in dialog.error.text()
    assert memory_keyring.store == {}
    assert not runtime.paths.settings_path.exists()
    assert runtime.settings.provider == "demo"
    dialog.reject()


def test_test_connection_reports_plainly(qtbot, window):
    dialog = window.open_settings()
    task = dialog.connection.test_connection()
    with qtbot.waitSignal(task.done, timeout=5000):
        pass
    assert dialog.connection.test_result.text() == "✓ The demo needs no account: it is ready."
    dialog.reject()


def test_keywords_change_detection_immediately(qtbot, window, runtime, customers):
    assert not runtime.detector.classify("pineapple").is_request
    dialog = window.open_settings(tab=4)
    keywords = dialog.keywords
    keywords.language.setCurrentIndex(keywords.language.findData("en"))
    qtbot.keyClicks(keywords.test_box, "pineapple")
    assert keywords.test_result.text().startswith("Not a request")

    qtbot.keyClicks(keywords.inputs["opt_out"], "pineapple")
    qtbot.keyClick(keywords.inputs["opt_out"], Qt.Key.Key_Return)
    assert "pineapple" in [
        keywords.lists["opt_out"].item(i).text() for i in range(keywords.lists["opt_out"].count())
    ]
    assert keywords.test_result.text().startswith("An opt-out request")
    save(qtbot, dialog)

    assert runtime.settings.lexicon_additions == {"en": {"opt_out": ["pineapple"]}}
    assert runtime.pipeline.detector.classify("pineapple").is_request
    key = customers.say("15550101234", "Ana Souza", "pineapple")
    assert window.services.review.pending_count() == 1
    assert runtime.book.pending_detections()[0].contact_key == key


def test_confirmation_text_per_language_with_preview(qtbot, window, runtime):
    dialog = window.open_settings(tab=2)
    tab = dialog.confirmations
    tab.language.setCurrentIndex(tab.language.findData("es"))
    assert tab.text.toPlainText()
    runtime.settings.shop_name = "Panadería Rosa"  # the name the sender puts in
    tab.text.setPlainText("Hecho: no le enviaremos más mensajes de {shop}.")
    assert tab.preview.text() == "Hecho: no le enviaremos más mensajes de Panadería Rosa."
    save(qtbot, dialog)
    assert runtime.settings.confirmation_templates == {
        "es": "Hecho: no le enviaremos más mensajes de {shop}."
    }


def test_a_new_category_is_offered_everywhere(qtbot, window, runtime):
    dialog = window.open_settings(tab=3)
    qtbot.keyClicks(dialog.categories.name, "Bad Name!")
    qtbot.mouseClick(
        dialog.categories.findChildren(type(dialog.buttons.buttons()[0]))[0], Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: dialog.categories.message.text().startswith("⚠"))
    dialog.categories.name.setText("appointment_reminders")
    dialog.categories.add()
    settle(qtbot, window)
    assert "appointment_reminders" in runtime.book.categories()
    assert dialog.categories.message.text() == "Category added."
    dialog.reject()


def test_first_run_offers_the_demo_by_default(qtbot, runtime):
    from desktop_app.ui.main_window import MainWindow

    main = MainWindow(ui_services_for(runtime))  # no settings file yet: first run
    qtbot.addWidget(main)
    main.show()
    dialog = qtbot.waitUntil(lambda: main.findChild(FirstRunDialog) is not None) or main.findChild(
        FirstRunDialog
    )
    assert dialog.buttons["demo"].isChecked()
    dialog.accept()
    settle(qtbot, main)
    assert runtime.paths.settings_path.exists()
    assert runtime.settings.provider == "demo"
    main.shutdown()


CLOUDFLARED = (
    "INF Requesting new quick Tunnel on trycloudflare.com...\n"
    "INF |  https://violet-harbor-lines-example.trycloudflare.com  |\n"
)


def test_tunnel_start_copy_and_stop(qtbot, window, runtime, memory_keyring, tmp_path, monkeypatch):
    """A fake cloudflared on PATH prints like the real one; the owner starts, copies, stops."""
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "cloudflared"
    fake.write_text(
        f"#!{sys.executable}\nimport sys, time\n"
        f"sys.stdout.write({CLOUDFLARED!r})\nsys.stdout.flush()\ntime.sleep(60)\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    dialog = window.open_settings(provider="meta")
    connection = dialog.connection

    qtbot.mouseClick(connection.tunnel_button, Qt.MouseButton.LeftButton)
    url = "https://violet-harbor-lines-example.trycloudflare.com/webhook"
    qtbot.waitUntil(lambda: connection.callback_url.text() == url, timeout=15_000)
    assert connection.tunnel_button.text() == "Stop tunnel"
    copy_url, copy_token = (
        b for b in connection.webhook_box.findChildren(QPushButton) if b.text().startswith("Copy")
    )
    qtbot.mouseClick(copy_url, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url
    make_token = next(
        b for b in connection.meta_box.findChildren(QPushButton) if b.text() == "Make one for me"
    )
    qtbot.mouseClick(make_token, Qt.MouseButton.LeftButton)
    token = connection.secret_fields["meta.verify_token"].text()
    assert len(token) >= 24
    qtbot.mouseClick(copy_token, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == token

    save(qtbot, dialog)
    assert runtime.settings.public_url == "https://violet-harbor-lines-example.trycloudflare.com"
    assert memory_keyring.store[("consent-desk", "meta.verify_token")] == token
    assert token not in runtime.paths.settings_path.read_text(encoding="utf-8")
    assert window.services.shop.tunnel_running()

    again = window.open_settings()  # the tunnel outlives the dialog, and the dialog says so
    assert again.connection.tunnel_button.text() == "Stop tunnel"
    assert again.connection.callback_url.text() == url
    qtbot.mouseClick(again.connection.tunnel_button, Qt.MouseButton.LeftButton)
    assert not window.services.shop.tunnel_running()
    assert again.connection.tunnel_button.text() == "Start tunnel"
    assert again.connection.callback_url.text() == ""
    again.reject()


def test_test_connection_against_meta_uses_the_typed_token_without_saving_it(
    qtbot, window, runtime, memory_keyring
):
    from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, NUMBERS, FakeGraphApi

    with FakeGraphApi() as graph:
        runtime.settings.meta_graph_url = graph.base_url
        runtime.settings.meta_api_version = API_VERSION
        dialog = window.open_settings(provider="meta")
        connection = dialog.connection
        qtbot.keyClicks(connection.phone_number_id, next(iter(NUMBERS)))
        qtbot.keyClicks(connection.secret_fields["meta.access_token"], ACCESS_TOKEN)

        with qtbot.waitSignal(connection.test_connection().done, timeout=10_000):
            pass
        first, second = connection.test_result.text().splitlines()[:2]
        assert first.startswith("✓ The access token works") and second.startswith("✓ Phone number id")
        assert all(c.headers.get("authorization") == f"Bearer {ACCESS_TOKEN}" for c in graph.calls)
        assert memory_keyring.store == {}  # testing does not save anything

        connection.secret_fields["meta.access_token"].setText("EAAexpired")
        with qtbot.waitSignal(connection.test_connection().done, timeout=10_000):
            pass
        assert connection.test_result.text().startswith("✗ Access token")
    assert "token" in connection.test_result.text().lower()
    dialog.reject()


def test_first_run_can_go_straight_to_connecting_meta(qtbot, runtime):
    from desktop_app.ui.main_window import MainWindow

    main = MainWindow(ui_services_for(runtime))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.findChild(FirstRunDialog) is not None)
    dialog = main.findChild(FirstRunDialog)
    qtbot.mouseClick(dialog.buttons["meta"], Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
    dialog.accept()
    assert main.settings_dialog is not None and main.settings_dialog.isVisible()
    assert main.settings_dialog.connection.provider() == "meta"
    assert main.settings_dialog.tabs.currentIndex() == 0
    main.settings_dialog.reject()
    assert runtime.settings.provider == "demo"  # nothing changes until the owner saves
    main.shutdown()


def test_data_tab_backs_up_and_verifies(qtbot, window, runtime, customers):
    customers.say("15550101234", "Ana Souza", "STOP")
    dialog = window.open_settings(tab=5)
    data = dialog.data
    qtbot.mouseClick(data.backup_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert data.result.text().startswith("✓ Backed up to ")
    backup = Path(data.result.text().removeprefix("✓ Backed up to "))
    assert backup.is_file() and backup.parent == runtime.book.backup_dir
    assert backup.read_bytes()[:16] == b"SQLite format 3\x00"
    qtbot.mouseClick(data.verify_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert data.result.text().startswith("✓ History intact")
    dialog.reject()
