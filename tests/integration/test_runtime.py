"""The app runtime wires each provider into the real pipeline and book, and stops cleanly."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from desktop_app.domain.model import VerdictKind
from desktop_app.providers.base import ConnectionState
from desktop_app.services.paths import AppPaths
from desktop_app.services.runtime import AppRuntime
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, BUSINESS, FakeTwilio
from tests.waiting import wait_for

META_SECRET = "test_app_secret_not_real_0000"


class StateLog:
    def __init__(self) -> None:
        self.states: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def report_connection(self, state: str, message: str) -> None:
        with self.lock:
            self.states.append((state, message))

    def report_ingest(self, result: object, keys: list[str]) -> None:
        pass

    def last(self) -> str | None:
        with self.lock:
            return self.states[-1][0] if self.states else None


def test_demo_runs_through_the_real_pipeline_into_a_separate_book(tmp_path: Path) -> None:
    paths = AppPaths.resolve(tmp_path)
    bridge = StateLog()
    runtime = AppRuntime(paths, Settings(), demo=True, bridge=bridge, demo_pace=0.001)
    runtime.start()
    try:
        assert bridge.last() == ConnectionState.DEMO.value
        assert wait_for(lambda: runtime.source.finished.is_set(), timeout=20.0)
        assert wait_for(lambda: any(text for _, text in runtime.sender.sent), timeout=20.0)
        pending = runtime.book.pending_detections()
        texts = {d.message_text for d in pending}
        assert "BAJA" in texts and "Sair" in texts
        assert {d.kind for d in pending} <= {VerdictKind.OPT_OUT, VerdictKind.OPT_IN}
        assert not any("stop by at 5" in (d.message_text or "") for d in pending)
        # the Stop promotions button is the customer's explicit choice: recorded at once
        assert not runtime.book.may_send("+393300000001", "marketing").allowed
        assert runtime.book.may_send("+393300000001", "order_updates").allowed
        # Meta-style preference change from the chat menu
        assert not runtime.book.may_send("+15550104444", "marketing").allowed
    finally:
        runtime.stop()
    assert not runtime.source
    assert paths.demo_book_path.exists()
    assert not paths.book_path.exists(), "the demo must never create or touch the real book"


def test_meta_provider_serves_the_webhook_and_records_an_opt_out(tmp_path: Path, meta_fixtures: Path) -> None:
    paths = AppPaths.resolve(tmp_path)
    secrets = SecretStore()
    secrets.set("meta.app_secret", META_SECRET)
    secrets.set("meta.verify_token", "verify-me")
    settings = Settings(provider="meta", webhook_port=0)
    bridge = StateLog()
    runtime = AppRuntime(paths, settings, secrets=secrets, bridge=bridge)
    runtime.start()
    try:
        assert bridge.last() == ConnectionState.WEBHOOK_WAITING.value
        host, port = runtime.source.service.server.address
        body = (meta_fixtures / "user-preferences-stop.json").read_bytes()
        signature = json.loads((meta_fixtures / "signatures.json").read_text())["signatures"][
            "user-preferences-stop.json"
        ]
        answer = requests.post(
            f"http://{host}:{port}/webhook",
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            timeout=10,
        )
        assert answer.status_code == 200
        wa_id = json.loads(body)["entry"][0]["changes"][0]["value"]["user_preferences"][0]["wa_id"]
        assert not runtime.book.may_send(wa_id, "marketing").allowed
    finally:
        runtime.stop()
    assert paths.book_path.exists()


def test_meta_without_secrets_opens_and_says_what_is_missing(tmp_path: Path) -> None:
    bridge = StateLog()
    runtime = AppRuntime(AppPaths.resolve(tmp_path), Settings(provider="meta"), bridge=bridge)
    runtime.start()
    try:
        state, message = bridge.states[-1]
        assert state == ConnectionState.NOT_CONFIGURED.value
        assert "App Secret" in message
    finally:
        runtime.stop()


def test_twilio_provider_polls_into_the_book(tmp_path: Path) -> None:
    with FakeTwilio() as fake:
        fake.add_message("whatsapp:+15550101234", "STOP", date_sent=datetime.now(UTC) - timedelta(minutes=5))
        secrets = SecretStore()
        secrets.set("twilio.account_sid", ACCOUNT_SID)
        secrets.set("twilio.api_key", API_KEY)
        secrets.set("twilio.api_secret", API_SECRET)
        settings = Settings(
            provider="twilio", twilio_base_url=fake.base_url, twilio_from=BUSINESS, twilio_poll_seconds=0.1
        )
        bridge = StateLog()
        runtime = AppRuntime(AppPaths.resolve(tmp_path), settings, secrets=secrets, bridge=bridge)
        runtime.start()
        try:
            assert wait_for(lambda: bool(runtime.book.pending_detections()), timeout=20.0)
            assert runtime.book.pending_detections()[0].message_text == "STOP"
            assert any(state == ConnectionState.POLLING.value for state, _ in bridge.states)
        finally:
            runtime.stop()


def test_test_connection_uses_what_the_owner_typed_before_saving(tmp_path: Path) -> None:
    runtime = AppRuntime(AppPaths.resolve(tmp_path), Settings(), demo=True)
    try:
        with FakeTwilio() as fake:
            settings = Settings(provider="twilio", twilio_base_url=fake.base_url, twilio_from=BUSINESS)
            typed = {"twilio.account_sid": ACCOUNT_SID, "twilio.api_key": API_KEY}
            wrong = runtime.sender_for(settings, _Typed({**typed, "twilio.api_secret": "nope"}))
            check = _check(wrong)
            assert not check.ok and "401" in check.message
            right = runtime.sender_for(settings, _Typed({**typed, "twilio.api_secret": API_SECRET}))
            assert _check(right).ok
        missing = _check(runtime.sender_for(settings, _Typed({})))
        assert missing.state is ConnectionState.NOT_CONFIGURED
    finally:
        runtime.stop()


class _Typed(dict):
    def get(self, name: str, *, allow_env: bool = False) -> str | None:  # type: ignore[override]
        return super().get(name)


def _check(sender):
    try:
        return sender.test_connection()
    finally:
        sender.close()


def test_confirming_never_waits_on_the_network(tmp_path: Path) -> None:
    from desktop_app.domain.model import ContactRef, InboundMessage
    from desktop_app.providers.base import SendResult

    class SlowSender:
        name = "slow"

        def __init__(self) -> None:
            self.release = threading.Event()
            self.sent: list[str] = []

        def send_text(self, to: str, text: str) -> SendResult:
            self.release.wait(10)
            self.sent.append(to)
            return SendResult(ok=True, provider_message_id="slow.1")

    runtime = AppRuntime(AppPaths.resolve(tmp_path), Settings(), demo=True)
    slow = SlowSender()
    runtime.pipeline.outbox.sender = slow
    try:
        sender = ContactRef("15550101234")
        message = InboundMessage("demo", "slow.in.1", sender, datetime.now(UTC), text="STOP")
        runtime.pipeline.ingest([message])
        [detection] = runtime.book.pending_detections()
        record = runtime.pipeline.confirm_detection(detection.id)
        assert record is not None  # returned while the provider is still "sending"
        assert slow.sent == []
        assert not runtime.book.may_send("+15550101234", "marketing").allowed
        slow.release.set()
        assert wait_for(lambda: slow.sent == ["+15550101234"], timeout=20.0)
    finally:
        slow.release.set()
        runtime.stop()
