"""The window's runtime sets the Meta connection up by itself: tunnel at start, webhook registered, WABA."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services import tunnel_keeper
from desktop_app.services.paths import AppPaths
from desktop_app.services.runtime import AppRuntime
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, APP_ID, APP_SECRET, WABA_ID, FakeGraphApi
from tests.fakes.tunnel import FakeTunnel
from tests.integration.meta.test_meta_registration import _free_port
from tests.waiting import wait_for


class _States:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.lock = threading.Lock()

    def report_connection(self, state: str, message: str) -> None:
        with self.lock:
            self.messages.append(message)

    def report_ingest(self, result: object, keys: list[str]) -> None:
        pass


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


def test_with_the_secrets_saved_the_app_opens_its_tunnel_and_registers_it(
    tmp_path: Path, graph_api: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    tunnel = FakeTunnel(f"http://127.0.0.1:{port}")  # stands in for https://<the static domain>
    asked: list[tuple[str | None, str]] = []

    def backend(authtoken: str | None, domain: str = "") -> FakeTunnel:
        asked.append((authtoken, domain))
        return tunnel

    monkeypatch.setattr(tunnel_keeper, "choose_backend", backend)
    secrets = SecretStore()
    for name, value in {
        "meta.app_secret": APP_SECRET,
        "meta.verify_token": "verify-me",
        "meta.access_token": ACCESS_TOKEN,
        "ngrok.authtoken": "ngrok-token-not-real",
    }.items():
        secrets.set(name, value)
    settings = Settings(
        provider="meta",
        webhook_port=port,
        meta_graph_url=graph_api.base_url,
        meta_api_version=API_VERSION,
        meta_app_id=APP_ID,
        meta_waba_id=WABA_ID,
        ngrok_domain="corner-shop.ngrok-free.app",
    )
    states = _States()
    runtime = AppRuntime(AppPaths.resolve(tmp_path), settings, secrets=secrets, bridge=states)  # type: ignore[arg-type]
    runtime.start()
    try:
        assert wait_for(lambda: graph_api.subscribed_apps == [APP_ID], timeout=30, interval=0.05)
        assert "Tunnel up since" in runtime.tunnel_status
    finally:
        runtime.stop()
    assert asked == [("ngrok-token-not-real", "corner-shop.ngrok-free.app")]
    assert (
        graph_api.subscriptions["whatsapp_business_account"]["callback_url"]
        == f"http://127.0.0.1:{port}/webhook"
    )
    assert graph_api.problems() == []
    assert any("Meta delivers to" in message for message in states.messages)
    assert all(APP_SECRET not in m and "ngrok-token-not-real" not in m for m in states.messages)
    assert tunnel.closed == 1 and runtime.tunnel is None
