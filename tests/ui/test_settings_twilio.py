"""Settings → Connection for Twilio: typed credentials tested against a fake Twilio, then kept safe."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, BUSINESS, FakeTwilio


def test_choose_twilio_test_connection_and_save(qtbot, window, runtime, memory_keyring, isolated_data_dir):
    with FakeTwilio() as fake:
        runtime.settings.twilio_base_url = fake.base_url  # as CONSENT_DESK_TWILIO_BASE_URL would
        dialog = window.open_settings()
        connection = dialog.connection
        qtbot.mouseClick(connection.provider_buttons["twilio"], Qt.MouseButton.LeftButton, pos=QPoint(8, 8))
        assert connection.twilio_box.isVisible() and not connection.webhook_box.isVisible()
        qtbot.keyClicks(connection.twilio_from, BUSINESS)
        qtbot.keyClicks(connection.secret_fields["twilio.account_sid"], ACCOUNT_SID)
        qtbot.keyClicks(connection.secret_fields["twilio.api_key"], API_KEY)
        qtbot.keyClicks(connection.secret_fields["twilio.api_secret"], "wrong-secret")
        connection.poll_seconds.setValue(7)

        task = connection.test_connection()
        with qtbot.waitSignal(task.done, timeout=10_000):
            pass
        assert connection.test_result.text().startswith("⚠")
        assert "401" in connection.test_result.text()

        connection.secret_fields["twilio.api_secret"].clear()
        qtbot.keyClicks(connection.secret_fields["twilio.api_secret"], API_SECRET)
        task = connection.test_connection()
        with qtbot.waitSignal(task.done, timeout=10_000):
            pass
        assert connection.test_result.text().startswith("✓"), connection.test_result.text()
        assert memory_keyring.store == {}  # testing saves nothing

        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
        qtbot.waitUntil(window.ops.idle, timeout=5000)  # saved on the book writer
    assert memory_keyring.store[("consent-desk", "twilio.api_secret")] == API_SECRET
    assert memory_keyring.store[("consent-desk", "twilio.api_key")] == API_KEY
    assert runtime.settings.provider == "twilio"
    assert runtime.settings.twilio_from == BUSINESS
    assert runtime.settings.twilio_poll_seconds == 7.0
    for path in (p for p in Path(isolated_data_dir).rglob("*") if p.is_file()):
        assert API_SECRET.encode() not in path.read_bytes(), path
