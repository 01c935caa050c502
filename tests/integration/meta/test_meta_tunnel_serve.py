"""`serve --tunnel`: the tunnel opens from inside the app (a fake one here), its URL is registered."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.commands import serve
from desktop_app.services.settings import Settings
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, APP_ID, APP_SECRET, WABA_ID, FakeGraphApi
from tests.fakes.tunnel import FakeTunnel
from tests.integration.meta.test_meta_registration import _free_port
from tests.waiting import wait_for


class _Context:
    def __init__(self, folder: Path, settings: Settings) -> None:
        self.settings = settings
        self._folder = folder
        self.books: list = []

    def open_book(self, *, demo: bool = False):
        from desktop_app.storage.book import ConsentBook

        book = ConsentBook.open(
            self._folder / "book.sqlite3", default_region="US", backup_dir=self._folder / "b"
        )
        self.books.append(book)
        return book


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


def test_serve_tunnel_registers_the_tunnels_url_and_logs_its_state(
    tmp_path: Path, graph_api: FakeGraphApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name, value in {
        "CONSENT_DESK_META_APP_SECRET": APP_SECRET,
        "CONSENT_DESK_META_VERIFY_TOKEN": "tunnel-verify",
        "CONSENT_DESK_META_ACCESS_TOKEN": ACCESS_TOKEN,
        "CONSENT_DESK_NGROK_AUTHTOKEN": "ngrok-token-not-real",
    }.items():
        monkeypatch.setenv(name, value)
    port = _free_port()
    tunnel = FakeTunnel(f"http://127.0.0.1:{port}")  # stands in for https://<static domain>
    chosen: list[tuple[str | None, str]] = []

    def fake_backend(authtoken: str | None, domain: str = "") -> FakeTunnel:
        chosen.append((authtoken, domain))
        return tunnel

    monkeypatch.setattr(serve, "choose_backend", fake_backend)
    settings = Settings(
        provider="meta",
        meta_graph_url=graph_api.base_url,
        meta_api_version=API_VERSION,
        meta_app_id=APP_ID,
        meta_waba_id=WABA_ID,
        ngrok_domain="corner-shop.ngrok-free.app",
    )
    ctx = _Context(tmp_path, settings)
    args = argparse.Namespace(provider="meta", host=None, port=port, tunnel=True, check=False, auto=False)
    stop = threading.Event()
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(serve.run_headless(args, ctx, stop)))
    runner.start()
    try:
        assert wait_for(lambda: graph_api.subscribed_apps == [APP_ID], timeout=30, interval=0.05)
    finally:
        stop.set()
        runner.join(30)
        for book in ctx.books:
            book.close()
    assert result == [0]
    assert chosen == [("ngrok-token-not-real", "corner-shop.ngrok-free.app")]
    subscription = graph_api.subscriptions["whatsapp_business_account"]
    assert subscription["callback_url"] == f"http://127.0.0.1:{port}/webhook"
    out = capsys.readouterr()
    assert f"Public URL: http://127.0.0.1:{port}/webhook" in out.out
    assert "[tunnel] Tunnel up since" in out.err and "[tunnel] Tunnel down since" in out.err
    assert "ngrok-token-not-real" not in out.out + out.err and APP_SECRET not in out.out + out.err
    assert tunnel.closed == 1
