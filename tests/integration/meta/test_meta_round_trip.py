"""Test connection proves the round trip: token, number, webhook fields, callback URL answering."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.providers.base import ConnectionState
from desktop_app.services.meta_check import round_trip
from desktop_app.services.provider_registry import provider_spec
from desktop_app.services.settings import Settings
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, APP_ID, APP_SECRET, NUMBERS, FakeGraphApi
from tests.integration.meta.test_meta_registration import _env, _free_port


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


def test_serve_check_registers_then_every_line_is_ticked(
    isolated_data_dir: Path, graph_api: FakeGraphApi
) -> None:
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", str(port)]
    result = subprocess.run(
        [*command, "--public-url", public, "--check"],
        env=_env(isolated_data_dir, graph_api, CONSENT_DESK_META_PHONE_NUMBER_ID=next(iter(NUMBERS))),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line[:1] in "✓✗"]
    assert len(lines) == 4 and all(line.startswith("✓") for line in lines), result.stdout
    assert "access token works" in lines[0]
    assert "+1 555-010-0100" in lines[1]
    assert "messages and user_preferences" in lines[2]
    assert f"{public}/webhook answers" in lines[3]
    assert (
        APP_SECRET not in result.stdout + result.stderr and ACCESS_TOKEN not in result.stdout + result.stderr
    )


class _Secrets:
    def __init__(self, **values: str) -> None:
        self.values = values

    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        return self.values.get(name)


def _settings(graph: FakeGraphApi, **changes: str) -> Settings:
    settings = Settings(
        provider="meta", meta_graph_url=graph.base_url, meta_api_version=API_VERSION, meta_app_id=APP_ID
    )
    for key, value in changes.items():
        setattr(settings, key, value)
    return settings


ALL = {"meta.access_token": ACCESS_TOKEN, "meta.app_secret": APP_SECRET, "meta.verify_token": "v"}


def test_each_broken_link_is_named(graph_api: FakeGraphApi) -> None:
    settings = _settings(graph_api, meta_phone_number_id="999000999", public_url="http://127.0.0.1:9")
    check = round_trip(settings, _Secrets(**ALL))
    token, number, webhook, callback = check.message.splitlines()
    assert not check.ok and check.state is ConnectionState.NOT_CONFIGURED
    assert token.startswith("✓")
    assert number.startswith("✗") and "999000999 does not belong to this token" in number
    assert webhook.startswith("✗") and "none for this app yet" in webhook
    assert callback.startswith("✗") and "http://127.0.0.1:9/webhook" in callback and "no answer" in callback


def test_a_bad_token_is_bad_credentials_and_the_webhook_lacking_a_field_is_said(
    graph_api: FakeGraphApi,
) -> None:
    graph_api.subscriptions["whatsapp_business_account"] = {
        "object": "whatsapp_business_account",
        "callback_url": "http://127.0.0.1:9/webhook",
        "active": True,
        "fields": [{"name": "messages", "version": API_VERSION}],
    }
    check = round_trip(_settings(graph_api), _Secrets(**{**ALL, "meta.access_token": "EAAwrong"}))
    token, number, webhook, _callback = check.message.splitlines()
    assert check.state is ConnectionState.BAD_CREDENTIALS
    assert token.startswith("✗") and "invalid or has expired" in token and "EAAwrong" not in check.message
    assert number.startswith("✓")  # none configured: none needed
    assert "lacks user_preferences" in webhook


def test_the_settings_test_button_path_runs_the_round_trip(graph_api: FakeGraphApi) -> None:
    spec = provider_spec("meta")
    sender = spec.sender_for(_settings(graph_api), _Secrets(**ALL))
    try:
        check = sender.test_connection()
    finally:
        sender.close()
    assert len(check.message.splitlines()) == 4 and check.message.startswith("✓ The access token works")
