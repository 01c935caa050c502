"""`consent-desk serve` end to end: a real process, env secrets, every fixture over HTTP, fake Graph API."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import MARKETING, EventSource
from tests.integration.meta.conftest import APP_SECRET
from tests.integration.meta.fake_graph import ACCESS_TOKEN, API_VERSION, PHONE_NUMBER_ID, FakeGraph
from tests.integration.meta.pipeline_helpers import fresh_body, signed
from tests.waiting import wait_for

VERIFY_TOKEN = "serve-verify-token"


class ServeProcess:
    def __init__(self, process: subprocess.Popen[str], host: str, port: int) -> None:
        self.process, self.host, self.port = process, host, port

    def post(self, body: bytes, signature: str | None) -> int:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        try:
            conn.request("POST", "/webhook", body, headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=30)
        return out


def _env(data_dir: Path, graph: FakeGraph, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CONSENT_DESK_DATA_DIR=str(data_dir),
        CONSENT_DESK_META_APP_SECRET=APP_SECRET,
        CONSENT_DESK_META_VERIFY_TOKEN=VERIFY_TOKEN,
        CONSENT_DESK_META_ACCESS_TOKEN=ACCESS_TOKEN,
        CONSENT_DESK_META_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        CONSENT_DESK_META_GRAPH_URL=graph.base_url,
        CONSENT_DESK_META_API_VERSION=API_VERSION,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",  # never the developer's keychain
        QT_QPA_PLATFORM="offscreen",
    )
    env.update(extra)
    return env


def _start(env: dict[str, str], *args: str) -> ServeProcess:
    command = [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", "0", *args]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Listening on http://"):
            assert ("--auto" in args) == ("mode: automatic" in line)
            address = line.split()[2].removeprefix("http://").split("/")[0]
            host, port = address.rsplit(":", 1)
            return ServeProcess(process, host, int(port))
    process.kill()
    process.communicate()
    raise AssertionError("serve did not start:\n" + "".join(lines))


@pytest.fixture
def serve_env(isolated_data_dir: Path, fake_graph: FakeGraph) -> dict[str, str]:
    return _env(isolated_data_dir, fake_graph)


@pytest.fixture
def served(serve_env: dict[str, str]) -> Iterator[ServeProcess]:
    process = _start(serve_env)
    try:
        yield process
    finally:
        if process.process.poll() is None:
            process.stop()


def _open_book(data_dir: Path):
    from desktop_app.storage.book import ConsentBook

    return ConsentBook.open(data_dir / "consent-book.sqlite3", default_region="US", backup_dir=data_dir / "b")


def test_serve_accepts_fixtures_rejects_tampering_and_confirms(
    served: ServeProcess,
    signed_fixtures: dict,
    fake_graph: FakeGraph,
    meta_fixtures: Path,
    isolated_data_dir: Path,
) -> None:
    challenge = served.get(f"/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42")
    assert challenge == (200, b"42")
    for name, (body, signature) in signed_fixtures.items():
        assert served.post(body, signature) == 200, name
        assert served.post(body, signature) == 200, f"{name} redelivered"
        assert served.post(body.replace(b"1555", b"1556", 1), signature) == 403, f"{name} tampered"
    assert served.post(b'{"object": "whatsapp_business_account"}', None) == 401
    assert fake_graph.messages == []  # the fixtures are months old: no reply window, no confirmation

    fresh, signature = signed(
        fresh_body(meta_fixtures, "button-stop-promotions.json", id="wamid.fresh-button-1")
    )
    assert served.post(fresh, signature) == 200
    assert wait_for(lambda: len(fake_graph.messages) == 1, timeout=20.0, interval=0.05)
    assert served.post(fresh, signature) == 200  # a duplicate never confirms twice
    out = served.stop()
    assert served.process.returncode == 0, out
    assert "Stopped." in out
    assert ACCESS_TOKEN not in out and APP_SECRET not in out
    [sent] = fake_graph.messages
    assert sent.problems == [] and sent.body["to"] == "+15550101234"

    book = _open_book(isolated_data_dir)
    try:
        assert not book.may_send("+15550105678", MARKETING).allowed  # 131050
        assert book.may_send("+15550109876", MARKETING).allowed  # user_preferences stop, then resume
        assert [e.source for e in book.history("+15550109876")] == [EventSource.META_PREFERENCE] * 2
        assert not book.may_send("+15550101234", MARKETING).allowed  # Stop promotions button
        assert not book.may_send("+15550103456", MARKETING).allowed  # the Portuguese button
        assert not book.may_send("+15550107777", MARKETING).allowed  # ... carried to João's new number
        confirmed = [e for e in book.history("+15550101234") if e.confirmation_status == "sent"]
        assert len(confirmed) == 1
        assert len(book.pending_detections()) >= 5  # free text waits for review without --auto
        assert book.verify().ok
    finally:
        book.close()


def test_serve_auto_mode_applies_free_text(
    serve_env: dict[str, str], signed_fixtures: dict, isolated_data_dir: Path
) -> None:
    served = _start(serve_env, "--auto")
    try:
        for name in ("text-stop.json", "text-baja-es.json", "batch-3-messages-2-contacts.json"):
            assert served.post(*signed_fixtures[name]) == 200
    finally:
        served.stop()
    assert served.process.returncode == 0
    book = _open_book(isolated_data_dir)
    try:
        assert not book.may_send("+15550101234", "order_updates").allowed  # STOP = everything
        assert not book.may_send("+15550102345", MARKETING).allowed  # BAJA
        assert not book.may_send("+15550105678", MARKETING).allowed  # "unsubscribe" in the batch
    finally:
        book.close()


def test_serve_refuses_without_secrets(isolated_data_dir: Path, fake_graph: FakeGraph) -> None:
    env = _env(
        isolated_data_dir, fake_graph, CONSENT_DESK_META_APP_SECRET="", CONSENT_DESK_META_VERIFY_TOKEN=""
    )
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert (
        "CONSENT_DESK_META_APP_SECRET" in result.stderr and "CONSENT_DESK_META_VERIFY_TOKEN" in result.stderr
    )


def test_status_and_export_show_the_opt_out(
    served: ServeProcess, signed_fixtures: dict, serve_env: dict[str, str]
) -> None:
    assert served.post(*signed_fixtures["status-failed-131050.json"]) == 200
    assert served.post(*signed_fixtures["user-preferences-stop.json"]) == 200
    served.stop()

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "desktop_app", *args],
            env=serve_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    status = json.loads(cli("status", "+15550105678", "--json"))
    assert status["categories"][MARKETING]["state"] == "opted_out"
    ledger = cli("export", "ledger", "--format", "csv")
    assert "send_error_131050" in ledger and "meta_preference" in ledger
    assert "+15550105678" in ledger and "+15550109876" in ledger


def test_serve_reports_a_busy_port(isolated_data_dir: Path, fake_graph: FakeGraph) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", str(port)],
            env=_env(isolated_data_dir, fake_graph),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "Cannot listen on 127.0.0.1" in result.stderr
