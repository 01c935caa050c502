"""Settings → Advanced holds the technical fields, validated as typed; the other tabs stay plain."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QSpinBox

from tests.ui.conftest import settle


def tab_titles(dialog) -> list[str]:
    return [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]


def test_the_technical_fields_live_in_advanced(qtbot, window) -> None:
    dialog = window.open_settings()
    assert tab_titles(dialog)[-1] == "Advanced"
    advanced = dialog.advanced
    assert advanced.host.text() == "127.0.0.1" and advanced.port.value() == 8787
    assert advanced.api_version.text().startswith("v")
    assert advanced.log_folder.text() == str(window.services.shop.log_folder)
    assert advanced.isAncestorOf(advanced.port)  # moved, not copied
    assert not dialog.connection.isAncestorOf(advanced.port)
    connection_labels = [label.text() for label in dialog.connection.findChildren(QLabel)]
    assert "Local port" not in connection_labels
    assert not dialog.connection.findChildren(QSpinBox, "webhookHost")
    dialog.tabs.setCurrentWidget(advanced)
    dialog.show()
    qtbot.wait(30)
    dialog.grab().save("/tmp/h7-settings-advanced.png")
    dialog.reject()


def test_a_wrong_api_version_is_refused_before_saving(qtbot, window, runtime) -> None:
    dialog = window.open_settings()
    dialog.advanced.api_version.setText("24")
    assert "v24.0" in dialog.advanced.problem.text()
    assert dialog.save() is False
    assert "Nothing was saved" in dialog.error.text()
    assert runtime.settings.meta_api_version != "24"
    dialog.reject()


def test_advanced_values_are_saved(qtbot, window, runtime) -> None:
    root = logging.getLogger()
    level = root.level
    try:
        dialog = window.open_settings()
        advanced = dialog.advanced
        advanced.host.setText("localhost")
        advanced.port.setValue(9100)
        advanced.api_version.setText("v25.0")
        advanced.debug.setChecked(True)
        assert advanced.findChild(QLineEdit, "graphApiVersion") is advanced.api_version
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
        settle(qtbot, window)
        qtbot.waitUntil(lambda: runtime.settings.meta_api_version == "v25.0")
        saved = runtime.settings
        assert (saved.webhook_host, saved.webhook_port, saved.debug_logging) == ("localhost", 9100, True)
        assert root.level == logging.DEBUG
    finally:
        root.setLevel(level)
