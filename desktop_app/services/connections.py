"""The seam every provider plugs into: its sender factory, its inbound source and what a source is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from desktop_app.domain.ports import ConsentBookPort
from desktop_app.providers.base import ConnectionCheck, ConnectionState, Sender, SendResult
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.settings import Settings

StateReport = Callable[[ConnectionState, str], None]  # called from any thread


class NotConfiguredError(RuntimeError):
    """The chosen provider lacks a setting or secret; the message says which and where to enter it."""


class SecretReader(Protocol):
    """The keyring (services.secrets.SecretStore), or typed-but-unsaved values over it."""

    def get(self, name: str, *, allow_env: bool = False) -> str | None: ...


class ClosableSender(Sender, Protocol):
    def close(self) -> None: ...


class InboundSource(Protocol):
    """A running connection that feeds the pipeline: webhook server, poller or demo simulator."""

    def start(self) -> None:
        """Start its threads; may raise OSError (a port in use). Reports its state when it can."""
        ...

    def poll_now(self) -> None:
        """Look for new messages at once, where that means anything (a poller); else nothing."""
        ...

    @property
    def description(self) -> str:
        """One line for `serve` once started: 'Listening on http://…', 'Polling Twilio for …'."""
        ...

    def stop(self) -> None:
        """Stop and wait for its threads; writes already submitted still finish on the writer."""
        ...


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What the composition root hands a provider's source factory."""

    settings: Settings
    secrets: SecretReader
    pipeline: IngestPipeline
    writer: BookWriter[ConsentBookPort]
    sender: ClosableSender | None
    report_state: StateReport
    allow_env: bool = False  # headless `serve`: secrets may come from the environment
    host: str | None = None  # `serve --host` / `--port` override the settings
    port: int | None = None
    pace: float = 1.0  # a simulated source's speed (the demo; tests run it fast)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the house's clock (tests inject theirs)

    @property
    def listen_host(self) -> str:
        return self.host or self.settings.webhook_host

    @property
    def listen_port(self) -> int:
        return self.settings.webhook_port if self.port is None else self.port


SenderFactory = Callable[[Settings, SecretReader, bool], ClosableSender]  # (settings, secrets, allow_env)
SourceFactory = Callable[[SourceContext], InboundSource]
Preflight = Callable[[Settings, SecretReader], list[str]]  # headless checks: raises or returns notes
RoundTrip = Callable[[Settings, SecretReader, bool], ConnectionCheck]  # (settings, secrets, allow_env)
Register = Callable[[Settings, SecretReader, str], ConnectionCheck]  # (settings, secrets, public URL)


def _nothing_to_check(settings: Settings, secrets: SecretReader) -> list[str]:
    return []


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """One provider, as the registry knows it (services.provider_registry).

    `build_sender` raises NotConfiguredError (saying what is missing) when credentials are not
    entered; `build_source` raises NotConfiguredError too, and its source's start() may raise OSError.
    `preflight` runs first in headless `serve`: NotConfiguredError there is exit code 2.
    """

    name: str
    label: str
    build_sender: SenderFactory
    build_source: SourceFactory
    preflight: Preflight = _nothing_to_check  # `serve`, before the book opens (secrets may be env vars)
    servable: bool = True  # `consent-desk serve --provider <name>` runs it headless
    round_trip: RoundTrip | None = None  # a fuller "Test connection" than the sender's own, one line per link
    register_webhook: Register | None = None  # tell the provider the public URL (Meta: its subscription)

    def running_sender(
        self, settings: Settings, secrets: SecretReader, *, allow_env: bool = False
    ) -> ClosableSender | None:
        """The running app's sender, or None while the provider's credentials are not entered yet."""
        try:
            return self.build_sender(settings, secrets, allow_env)
        except NotConfiguredError:
            return None

    def sender_for(self, settings: Settings, secrets: SecretReader) -> ClosableSender:
        """For "Test connection": built from typed, unsaved values; never None (missing = says so)."""
        sender: ClosableSender
        try:
            sender = self.build_sender(settings, secrets, False)
        except NotConfiguredError as exc:
            sender = UnconfiguredSender(str(exc))
        if self.round_trip is None:
            return sender
        return RoundTripSender(sender, lambda: self.round_trip_check(settings, secrets))

    def round_trip_check(
        self, settings: Settings, secrets: SecretReader, *, allow_env: bool = False
    ) -> ConnectionCheck:
        if self.round_trip is None:
            return self.check_connection(settings, secrets)
        try:
            return self.round_trip(settings, secrets, allow_env)
        except Exception as exc:  # "Test connection" reports; it never fails the dialog
            return ConnectionCheck(False, ConnectionState.OFFLINE, f"The test failed ({type(exc).__name__}).")

    def check_connection(self, settings: Settings, secrets: SecretReader) -> ConnectionCheck:
        """Settings' "Test connection": never raises; missing secrets are a plain NOT_CONFIGURED."""
        sender = self.sender_for(settings, secrets)
        try:
            return sender.test_connection()
        finally:
            sender.close()


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


class RoundTripSender:
    """A sender whose test_connection() is the provider's round-trip check (see ProviderSpec.round_trip)."""

    def __init__(self, sender: ClosableSender, check: Callable[[], ConnectionCheck]) -> None:
        self._sender = sender
        self._check = check
        self.name = sender.name

    def send_text(self, to: str, text: str) -> SendResult:
        return self._sender.send_text(to, text)

    def test_connection(self) -> ConnectionCheck:
        return self._check()

    def close(self) -> None:
        self._sender.close()
