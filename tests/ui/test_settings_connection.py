"""Settings → Connection as a shop owner meets it (issue 13 item 9, issue 15): hints, checks, tunnel, Meta."""

from __future__ import annotations

import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from desktop_app.services.secrets import SecretStore
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, APP_ID, APP_SECRET, FakeGraphApi
from tests.ui.conftest import settle


def _click_provider(qtbot, connection, name: str) -> None:
    qtbot.mouseClick(connection.provider_buttons[name], Qt.MouseButton.LeftButton, pos=QPoint(8, 8))


def _save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.ops.idle, timeout=5000)


def test_a_bad_sender_and_number_id_are_flagged_as_typed_and_never_saved(qtbot, window, runtime):
    dialog = window.open_settings(provider="twilio")
    connection = dialog.connection
    qtbot.keyClicks(connection.twilio_from, "0555 12ab")
    hint = connection.hints["twilio_from"]
    assert hint.text().startswith("⚠") and "+15550100100" in hint.text() and "0555 12ab" in hint.text()

    _click_provider(qtbot, connection, "meta")
    qtbot.keyClicks(connection.phone_number_id, "+1 (555) abc-12")
    assert connection.hints["meta_phone_number_id"].text().startswith("⚠ The Phone number ID is only digits")
    assert connection.problems() == [connection.hints["meta_phone_number_id"].text().removeprefix("⚠ ")]
    qtbot.waitUntil(lambda: connection.meta_box.height() > 300, timeout=5000)  # laid out after the switch
    connection.meta_box.grab().save("/tmp/h9-connection-invalid.png")

    _save(qtbot, dialog)
    assert runtime.settings.meta_phone_number_id == ""  # the bad value did not replace anything
    assert runtime.settings.twilio_from == ""

    again = window.open_settings(provider="twilio")
    qtbot.keyClicks(again.connection.twilio_from, "+15550100100")
    assert not again.connection.hints["twilio_from"].text().startswith("⚠")
    _save(qtbot, again)
    assert runtime.settings.twilio_from == "whatsapp:+15550100100"


def test_every_field_says_where_to_find_its_value(qtbot, window):
    dialog = window.open_settings(provider="meta")
    connection = dialog.connection
    expected = {
        "meta.access_token": "System users",
        "meta.app_secret": "App settings → Basic",
        "meta_app_id": "App ID",
        "meta_waba_id": "API Setup",
        "meta_phone_number_id": "API Setup",
        "ngrok.authtoken": "dashboard.ngrok.com",
        "ngrok_domain": "Domains",
        "twilio_from": "console.twilio.com",
        "twilio.account_sid": "console.twilio.com",
    }
    for key, words in expected.items():
        hint = connection.hints[key]
        assert words in hint.text(), key
    assert all(hint.isVisible() for key, hint in connection.hints.items() if not key.startswith("twilio"))
    dialog.grab().save("/tmp/h9-connection-meta.png")
    dialog.reject()


def test_the_meta_result_does_not_stay_after_switching_to_twilio(qtbot, window):
    dialog = window.open_settings(provider="meta")
    connection = dialog.connection
    with qtbot.waitSignal(connection.test_connection().done, timeout=10_000):
        pass
    assert "access token" in connection.test_result.text()
    _click_provider(qtbot, connection, "twilio")
    assert connection.test_result.text() == ""
    dialog.reject()


@pytest.mark.expect_log(level="WARNING", match=r"keychain could not be read")
def test_without_a_keychain_it_never_asks_to_enter_a_token_in_a_disabled_field(qtbot, window, runtime):
    runtime.secrets = SecretStore(backend=keyring.backends.fail.Keyring())
    dialog = window.open_settings(provider="meta")
    settle(qtbot, window)
    connection = dialog.connection
    assert not connection.secret_fields["meta.access_token"].isEnabled()
    assert not connection.generate_token.isEnabled()
    with qtbot.waitSignal(connection.test_connection().done, timeout=10_000):
        pass
    result = connection.test_result.text()
    assert "keychain is not available" in result and "Enter the" not in result and "enter it" not in result
    dialog.reject()


def test_a_tunnel_error_is_a_readable_line_not_a_clipped_placeholder(qtbot, window, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no cloudflared, no ngrok program, no authtoken
    dialog = window.open_settings(provider="meta")
    connection = dialog.connection
    qtbot.mouseClick(connection.tunnel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: connection.tunnel_status.isVisible(), timeout=10_000)
    text = connection.tunnel_status.text()
    assert text.startswith("⚠ The tunnel did not start") and "dashboard.ngrok.com" in text
    assert connection.tunnel_status.wordWrap()
    assert connection.callback_url.placeholderText() == "Start the tunnel to get your callback URL"
    dialog.grab().save("/tmp/h9-connection-tunnel-error.png")
    dialog.reject()


@pytest.mark.expect_log("desktop_app.services.meta_registration", "WARNING", "could not reach")
def test_registering_the_tunnels_address_with_meta_from_the_window(qtbot, window, runtime, memory_keyring):
    with FakeGraphApi() as graph:
        runtime.settings.meta_graph_url = graph.base_url
        runtime.settings.meta_api_version = API_VERSION
        dialog = window.open_settings(provider="meta")
        connection = dialog.connection
        qtbot.keyClicks(connection.app_id, APP_ID)
        qtbot.keyClicks(connection.secret_fields["meta.app_secret"], APP_SECRET)
        qtbot.keyClicks(connection.secret_fields["meta.access_token"], ACCESS_TOKEN)
        qtbot.keyClicks(connection.secret_fields["meta.verify_token"], "v")
        with qtbot.waitSignal(connection.register_webhook("http://127.0.0.1:9").done, timeout=20_000):
            pass
        result = connection.registration_result.text()
        assert "could not reach http://127.0.0.1:9/webhook" in result and APP_SECRET not in result
    assert memory_keyring.store == {}
    dialog.reject()


@pytest.mark.expect_log("desktop_app.services.tunnel_keeper", "WARNING", "dropped")
def test_the_status_bar_shows_the_tunnel_up_reconnecting_and_back(qtbot, window, monkeypatch):
    from desktop_app.services import tunnel_keeper
    from tests.fakes.tunnel import FakeTunnel

    tunnel = FakeTunnel("https://corner-shop.ngrok-free.app")
    monkeypatch.setattr(tunnel_keeper, "choose_backend", lambda authtoken, domain="": tunnel)
    monkeypatch.setattr(tunnel_keeper, "CHECK_SECONDS", 0.02)
    monkeypatch.setattr(tunnel_keeper, "FIRST_BACKOFF_SECONDS", 0.02)
    dialog = window.open_settings(provider="meta")
    connection = dialog.connection
    qtbot.mouseClick(connection.tunnel_button, Qt.MouseButton.LeftButton)
    state = window.findChild(QLabel, "connectionState")
    qtbot.waitUntil(lambda: "Tunnel up since" in state.text(), timeout=10_000)
    assert "https://corner-shop.ngrok-free.app" in state.text()
    assert connection.callback_url.text() == "https://corner-shop.ngrok-free.app/webhook"

    tunnel.drop(then_fail=50)
    qtbot.waitUntil(lambda: "Tunnel reconnecting since" in state.text(), timeout=10_000)
    window.statusBar().grab().save("/tmp/h9-status-reconnecting.png")
    tunnel.failures = 0
    qtbot.waitUntil(lambda: "Tunnel up since" in state.text(), timeout=10_000)

    qtbot.mouseClick(connection.tunnel_button, Qt.MouseButton.LeftButton)  # stop
    qtbot.waitUntil(lambda: "Tunnel down since" in state.text(), timeout=10_000)
    dialog.reject()


def test_test_connection_shows_one_line_per_link(qtbot, window, runtime):
    with FakeGraphApi() as graph:
        runtime.settings.meta_graph_url = graph.base_url
        runtime.settings.meta_api_version = API_VERSION
        dialog = window.open_settings(provider="meta")
        connection = dialog.connection
        qtbot.keyClicks(connection.secret_fields["meta.access_token"], ACCESS_TOKEN)
        qtbot.keyClicks(connection.app_id, APP_ID)
        qtbot.keyClicks(connection.secret_fields["meta.app_secret"], APP_SECRET)
        with qtbot.waitSignal(connection.test_connection().done, timeout=10_000):
            pass
    lines = connection.test_result.text().splitlines()
    assert [line[:1] for line in lines] == ["✓", "✓", "✗", "✗"]
    assert "Meta has none for this app yet" in lines[2] and "start the tunnel" in lines[3]
    qtbot.wait(50)  # the four lines laid out
    connection.test_result.parentWidget().grab().save("/tmp/h9-test-connection.png")
    dialog.reject()


def test_a_gap_in_deliveries_is_said_in_the_window(qtbot, window, runtime):
    from datetime import UTC, datetime, timedelta

    from desktop_app.services.meta_webhook import LAST_DELIVERY_CURSOR, unreachable_warning

    class _Cursor:
        def get_cursor(self, name: str) -> str | None:
            return (
                datetime(2026, 3, 1, 8, 30, tzinfo=UTC).isoformat() if name == LAST_DELIVERY_CURSOR else None
            )

    warning = unreachable_warning(_Cursor(), now=datetime(2026, 3, 1, 8, 30, tzinfo=UTC) + timedelta(days=3))
    assert warning is not None
    runtime.report_state("webhook_waiting", warning)
    state = window.findChild(QLabel, "connectionState")
    qtbot.waitUntil(lambda: "since 01 Mar 2026 08:30 UTC (3 days)" in state.text(), timeout=5000)
    assert "cannot deliver within 7 days are lost" in state.text() and state.text().startswith("⚠")
    assert "at most 7 days" in state.toolTip()
    assert window.statusBar().width() <= window.width()  # a long message never widens the window
    window.statusBar().grab().save("/tmp/h9-status-gap.png")
