"""Starts the real provider connection inside the app: Meta's webhook server or the Twilio poller."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from desktop_app.providers.base import ConnectionCheck, ConnectionState, Sender, SendResult
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)


class RuntimeLike(Protocol):
    """What a connection needs from services.runtime.AppRuntime."""

    settings: Settings
    secrets: SecretStore
    pipeline: IngestPipeline
    sender: Sender | None

    def report_state(self, state: str, message: str) -> None: ...


class NotConfiguredError(RuntimeError):
    """The chosen provider lacks a setting or secret; the message says which and where to enter it."""


class UnconfiguredSender:
    """Stands in for a provider whose credentials are missing: "Test connection" says which."""

    name = "unconfigured"

    def __init__(self, message: str) -> None:
        self._message = message

    def send_text(self, to: str, text: str) -> SendResult:
        return SendResult(ok=False, error_message=self._message)

    def test_connection(self) -> ConnectionCheck:
        return ConnectionCheck(False, ConnectionState.NOT_CONFIGURED, self._message)

    def close(self) -> None:
        pass


def sender_for(settings: Settings, secrets: Any) -> Sender:
    """A sender for "Test connection" with not-yet-saved settings and secrets (never None)."""
    if settings.provider == "meta":
        from desktop_app.providers.meta_cloud.graph_client import GraphClient

        return GraphClient(
            access_token=secrets.get("meta.access_token") or "",
            phone_number_id=settings.meta_phone_number_id,
            base_url=settings.meta_graph_url,
            api_version=settings.meta_api_version,
        )
    if settings.provider == "twilio":
        from desktop_app.services.twilio_runner import build_provider

        try:
            return build_provider(settings, secrets)
        except ValueError as exc:
            return UnconfiguredSender(str(exc))
    return UnconfiguredSender(f"Unknown provider {settings.provider!r}.")


def make_sender(settings: Settings, secrets: SecretStore) -> Sender | None:
    """The running app's sender, or None while the provider's credentials are not entered yet."""
    if settings.provider == "meta" and not (
        secrets.get("meta.access_token") and settings.meta_phone_number_id
    ):
        return None
    sender = sender_for(settings, secrets)
    return None if isinstance(sender, UnconfiguredSender) else sender


class MetaConnection:
    """The webhook server (with its single writer thread) for Meta's Cloud API."""

    def __init__(self, runtime: RuntimeLike) -> None:
        from desktop_app.services.webhook_server import MetaWebhookService, unreachable_warning

        settings, secrets = runtime.settings, runtime.secrets
        app_secret = secrets.get("meta.app_secret")
        verify_token = secrets.get("meta.verify_token")
        if not app_secret or not verify_token:
            raise NotConfiguredError(
                "Enter the Meta App Secret and a verify token in Settings → Connection to receive messages."
            )
        self._runtime = runtime
        self.service = MetaWebhookService.for_pipeline(
            runtime.pipeline,
            app_secret=app_secret,
            verify_token=verify_token,
            host=settings.webhook_host,
            port=settings.webhook_port,
            book=runtime.pipeline.book,
        )
        self._warning = unreachable_warning(runtime.pipeline.book)

    def start(self) -> None:
        host, port = self.service.start()
        message = f"Waiting for Meta at http://{host}:{port}/webhook (expose it with a tunnel)"
        if self._warning:
            message = self._warning
        self._runtime.report_state(ConnectionState.WEBHOOK_WAITING.value, message)

    def stop(self) -> None:
        self.service.stop()
        _close(self._runtime.sender)


class TwilioPolling:
    """The Twilio poller thread (and the signed /twilio webhook when a public URL is set)."""

    def __init__(self, runtime: RuntimeLike) -> None:
        from desktop_app.services.twilio_runner import TwilioConnection

        try:
            self.connection = TwilioConnection(
                runtime.pipeline,
                runtime.settings,
                runtime.secrets,
                on_state=lambda state, message: runtime.report_state(_state_value(state), message),
            )
        except ValueError as exc:
            raise NotConfiguredError(str(exc)) from exc

    def start(self) -> None:
        self.connection.start()

    def poll_now(self) -> None:
        self.connection.poll_now()

    def stop(self) -> None:
        self.connection.stop()


def start_source(runtime: RuntimeLike) -> MetaConnection | TwilioPolling:
    """Build and start the connection for runtime.settings.provider; raises NotConfiguredError."""
    provider = runtime.settings.provider
    source: MetaConnection | TwilioPolling
    if provider == "meta":
        source = MetaConnection(runtime)
    elif provider == "twilio":
        source = TwilioPolling(runtime)
    else:
        raise NotConfiguredError(f"Unknown provider {provider!r}; choose one in Settings → Connection.")
    source.start()
    return source


def _state_value(state: Any) -> str:
    return str(getattr(state, "value", state))


def _close(sender: Any) -> None:
    close = getattr(sender, "close", None)
    if callable(close):
        close()
