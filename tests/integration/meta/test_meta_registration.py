"""The app registers its own webhook with Meta: `serve --public-url` against the fake Graph API."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services.meta_registration import callback_url_for, register_webhook
from desktop_app.services.settings import Settings
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, APP_ID, APP_SECRET, WABA_ID, FakeGraphApi
from tests.integration.meta.test_meta_serve import VERIFY_TOKEN, _start
from tests.waiting import wait_for


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(data_dir: Path, graph: FakeGraphApi, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CONSENT_DESK_META_PHONE_NUMBER_ID", None)
    env.update(
        CONSENT_DESK_DATA_DIR=str(data_dir),
        CONSENT_DESK_META_APP_SECRET=APP_SECRET,
        CONSENT_DESK_META_VERIFY_TOKEN=VERIFY_TOKEN,
        CONSENT_DESK_META_ACCESS_TOKEN=ACCESS_TOKEN,
        CONSENT_DESK_META_APP_ID=APP_ID,
        CONSENT_DESK_META_WABA_ID=WABA_ID,
        CONSENT_DESK_META_GRAPH_URL=graph.base_url,
        CONSENT_DESK_META_API_VERSION=API_VERSION,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    env.update(extra)
    return env


def test_serve_registers_the_webhook_reads_it_back_and_subscribes_the_waba(
    isolated_data_dir: Path, graph_api: FakeGraphApi
) -> None:
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    served = _start(_env(isolated_data_dir, graph_api), "--port", str(port), "--public-url", public)
    try:
        assert wait_for(lambda: graph_api.subscribed_apps == [APP_ID], timeout=30, interval=0.05)
    finally:
        out = served.stop()
    assert served.process.returncode == 0, out
    assert graph_api.problems() == []
    [subscribe] = [c for c in graph_api.calls if c.method == "POST" and c.path.endswith("/subscriptions")]
    assert subscribe.path == f"/{API_VERSION}/{APP_ID}/subscriptions"
    assert subscribe.params == {
        "object": "whatsapp_business_account",
        "callback_url": f"{public}/webhook",
        "verify_token": VERIFY_TOKEN,
        "fields": "messages,user_preferences",
        "access_token": f"{APP_ID}|{APP_SECRET}",
    }
    assert graph_api.verification_answers and graph_api.verification_answers[0][0] == 200  # Meta's GET
    read_back = [c for c in graph_api.calls if c.method == "GET" and c.path.endswith("/subscriptions")]
    assert len(read_back) >= 1
    subscription = graph_api.subscriptions["whatsapp_business_account"]
    assert subscription["callback_url"] == f"{public}/webhook"
    assert "Meta delivers to" in out and "WhatsApp Business Account" in out
    assert APP_SECRET not in out and ACCESS_TOKEN not in out
    assert all(APP_SECRET not in c.path for c in graph_api.calls)

    # Started again with the same URL: Meta already has it, so it is read back but not posted again.
    posts_before, gets_before, waba_before = _count(graph_api, "POST"), _gets(graph_api), _waba(graph_api)
    served = _start(_env(isolated_data_dir, graph_api), "--port", str(port), "--public-url", public)
    try:
        assert wait_for(lambda: _waba(graph_api) > waba_before, timeout=30, interval=0.05)
    finally:
        served.stop()
    assert _gets(graph_api) == gets_before + 1
    assert _count(graph_api, "POST") == posts_before


def _count(graph_api: FakeGraphApi, method: str) -> int:
    return len([c for c in graph_api.calls if c.method == method and c.path.endswith("/subscriptions")])


def _waba(graph_api: FakeGraphApi) -> int:
    return len([c for c in graph_api.calls if c.method == "POST" and c.path.endswith("/subscribed_apps")])


def _gets(graph_api: FakeGraphApi) -> int:
    return _count(graph_api, "GET")


class _Secrets:
    def __init__(self, **values: str) -> None:
        self.values = values

    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        return self.values.get(name)


def _settings(graph: FakeGraphApi) -> Settings:
    return Settings(
        provider="meta", meta_graph_url=graph.base_url, meta_api_version=API_VERSION, meta_app_id=APP_ID
    )


@pytest.mark.expect_log("desktop_app.services.meta_registration", "WARNING")
def test_a_wrong_app_secret_is_said_in_plain_words_without_the_secret(graph_api: FakeGraphApi) -> None:
    secrets = _Secrets(**{"meta.app_secret": "wrong-secret-123", "meta.verify_token": "v"})
    report = register_webhook(_settings(graph_api), secrets, "https://shop.example/")
    assert not report.ok
    [line] = report.lines
    assert "App Secret" in line and APP_ID in line and "wrong-secret-123" not in line


@pytest.mark.expect_log("desktop_app.services.meta_registration", "WARNING")
def test_an_unreachable_callback_url_says_so(graph_api: FakeGraphApi) -> None:
    secrets = _Secrets(**{"meta.app_secret": APP_SECRET, "meta.verify_token": "v"})
    url = f"http://127.0.0.1:{_free_port()}"
    report = register_webhook(_settings(graph_api), secrets, url)
    assert not report.ok
    assert f"could not reach {url}/webhook" in report.lines[0]
    assert "tunnel" in report.lines[0]


@pytest.mark.expect_log("desktop_app.services.meta_registration", "WARNING")
def test_an_app_not_in_live_mode_says_so() -> None:
    with FakeGraphApi(app_live=False) as graph_api:
        secrets = _Secrets(**{"meta.app_secret": APP_SECRET, "meta.verify_token": "v"})
        report = register_webhook(_settings(graph_api), secrets, "https://shop.example")
    assert not report.ok and "Live mode" in report.lines[0]


def test_without_an_app_id_it_says_where_to_find_it(graph_api: FakeGraphApi) -> None:
    settings = _settings(graph_api)
    settings.meta_app_id = ""
    report = register_webhook(settings, _Secrets(), "https://shop.example")
    assert not report.ok and "App ID" in report.lines[0] and graph_api.calls == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://shop.ngrok-free.app", "https://shop.ngrok-free.app/webhook"),
        ("https://shop.ngrok-free.app/webhook/", "https://shop.ngrok-free.app/webhook"),
    ],
)
def test_callback_url(given: str, expected: str) -> None:
    assert callback_url_for(given) == expected


@pytest.mark.parametrize("bad", ["shop.ngrok-free.app", "http://shop.example.com", "ftp://x"])
def test_callback_url_must_be_https(bad: str) -> None:
    with pytest.raises(ValueError, match="https"):
        callback_url_for(bad)
