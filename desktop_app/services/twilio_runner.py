"""Twilio wiring: credentials, provider, poller and optional webhook route; `serve --provider twilio`."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from desktop_app.domain.model import IngestResult, ProviderEvent
from desktop_app.providers.base import ConnectionCheck, ConnectionState
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.parsing import is_whatsapp_address
from desktop_app.providers.twilio.provider import TwilioProvider
from desktop_app.providers.twilio.signature import SIGNATURE_HEADER
from desktop_app.providers.twilio.webhook import EMPTY_TWIML, check_twilio_delivery
from desktop_app.services.headless import install_stop_handlers, log_result, restore_handlers
from desktop_app.services.poller import CursorStore, StateCallback, TwilioPoller, cursor_name
from desktop_app.services.secrets import SECRET_ENV, SecretStore
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import HttpRequest, HttpResponse, WebhookServer

if TYPE_CHECKING:
    from desktop_app.services.ingest import IngestPipeline
    from desktop_app.storage.book import ConsentBook

log = logging.getLogger(__name__)

TWILIO_PATH = "/twilio"
Ingest = Callable[[Sequence[ProviderEvent]], IngestResult]


class HeadlessContext(Protocol):
    """What `serve` hands over (commands.context.CommandContext; services may not import commands)."""

    settings: Settings

    def open_book(self, *, demo: bool = False) -> ConsentBook: ...


def load_credentials(secrets: SecretStore, *, allow_env: bool = False) -> TwilioCredentials:
    """From the keyring (or, headless, the environment). ValueError says plainly what is missing."""
    values = {
        name: secrets.get(f"twilio.{name}", allow_env=allow_env)
        for name in ("account_sid", "api_key", "api_secret", "auth_token")
    }
    try:
        return TwilioCredentials.choose(**values)
    except ValueError as exc:
        where = "Save it in Settings → Connection"
        if allow_env:
            names = ", ".join(SECRET_ENV[f"twilio.{n}"] for n in ("account_sid", "api_key", "api_secret"))
            where += f" or set {names}"
        raise ValueError(f"{exc} {where}.") from None


def build_provider(
    settings: Settings,
    secrets: SecretStore,
    *,
    allow_env: bool = False,
    timeout: tuple[float, float] | None = None,
) -> TwilioProvider:
    """The Sender (and Test connection) from settings and keyring; raises ValueError when unconfigured."""
    credentials = load_credentials(secrets, allow_env=allow_env)
    client = TwilioClient(credentials, settings.twilio_base_url, **({"timeout": timeout} if timeout else {}))
    return TwilioProvider(client, settings.twilio_from)


def check_connection(settings: Settings, secrets: SecretStore) -> ConnectionCheck:
    """Settings' "Test connection" for Twilio: never raises; missing secrets are a plain NOT_CONFIGURED."""
    try:
        provider = build_provider(settings, secrets)
    except ValueError as exc:
        return ConnectionCheck(False, ConnectionState.NOT_CONFIGURED, str(exc))
    try:
        return provider.test_connection()
    finally:
        provider.close()


def attach_opt_out_signal(provider: TwilioProvider, ingest: Ingest) -> None:
    """A send refused with 21610 goes through the pipeline as a failed status, which records the opt-out.

    Called from the sending thread after the pipeline's commit (confirmations run outside the
    transaction), so a nested ingest here opens its own short transaction.
    """

    def record(status: object) -> None:
        try:
            ingest([status])  # type: ignore[list-item]
        except Exception:
            log.exception("Could not record Twilio's 21610 opt-out signal")

    provider.on_opt_out = record


def build_poller(
    client: TwilioClient,
    settings: Settings,
    cursor_store: CursorStore,
    sink: Ingest,
    on_state: StateCallback | None = None,
) -> TwilioPoller:
    """The poller for settings.twilio_from; give it its own client (a Session per thread)."""
    return TwilioPoller(
        client,
        settings.twilio_from.strip(),
        cursor_store,
        sink,
        cursor_name=cursor_name(client.credentials.account_sid, settings.twilio_from.strip()),
        interval=float(settings.twilio_poll_seconds),
        lookback=timedelta(hours=float(settings.twilio_lookback_hours)),
        on_state=on_state,
    )


class TwilioWebhookRoute:
    """POST /twilio: X-Twilio-Signature checked against the *public* URL, stored, then an empty TwiML."""

    def __init__(self, *, auth_token: str, public_url: str, ingest: Ingest) -> None:
        self._auth_token = auth_token
        self._public_base = public_url.rstrip("/")
        self._ingest = ingest

    def mount(self, server: WebhookServer, path: str = TWILIO_PATH) -> None:
        server.add_route("POST", path, self.handle_post)

    def signed_url(self, request: HttpRequest) -> str:
        """The URL Twilio called: the tunnel's public base plus our path and query."""
        query = urlencode([(k, v) for k, values in request.query.items() for v in values])
        return self._public_base + request.path + (f"?{query}" if query else "")

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        checked = check_twilio_delivery(
            self.signed_url(request),
            request.body,
            request.headers.get(SIGNATURE_HEADER),
            self._auth_token,
            datetime.now(UTC),
        )
        if checked.rejection is not None:
            log.warning("Refused a Twilio webhook from %s: %s", request.client, checked.detail)
            return HttpResponse.text(checked.rejection, checked.detail)
        try:
            self._ingest(checked.events or [])
        except Exception as exc:
            log.error(
                "Storing a Twilio webhook failed (%s); answered 500 so Twilio retries", type(exc).__name__
            )
            return HttpResponse.text(500, "not stored; please retry")
        return HttpResponse(200, EMPTY_TWIML, "text/xml; charset=utf-8")


class TwilioConnection:
    """Everything Twilio needs while the app runs: provider (sender), poller thread, optional webhook."""

    def __init__(
        self,
        pipeline: IngestPipeline,
        settings: Settings,
        secrets: SecretStore,
        *,
        on_state: StateCallback | None = None,
        allow_env: bool = False,
        provider: TwilioProvider | None = None,
    ) -> None:
        if not is_whatsapp_address(settings.twilio_from):
            raise ValueError(
                "Enter your WhatsApp sender in Settings → Connection as whatsapp:+ and the number "
                "with country code (for example whatsapp:+15550100100)."
            )
        self.provider = provider or build_provider(settings, secrets, allow_env=allow_env)
        if pipeline.sender is None:
            pipeline.sender = self.provider
        for sender in {id(s): s for s in (self.provider, pipeline.sender)}.values():
            if isinstance(sender, TwilioProvider):
                attach_opt_out_signal(sender, pipeline.ingest)
        client = self.provider.client
        self.poll_client = TwilioClient(client.credentials, client.base_url, timeout=client.timeout)
        self.poller = build_poller(self.poll_client, settings, pipeline.book, pipeline.ingest, on_state)
        auth_token = secrets.get("twilio.auth_token", allow_env=allow_env)
        self.route = (
            TwilioWebhookRoute(auth_token=auth_token, public_url=settings.public_url, ingest=pipeline.ingest)
            if auth_token and settings.public_url
            else None
        )

    def start(self) -> None:
        self.poller.start()

    def poll_now(self) -> None:
        self.poller.poll_now()

    def apply_settings(self, settings: Settings) -> None:
        """Interval and look-back take effect at the next poll; credentials or number need a restart."""
        self.poller.interval = max(0.05, float(settings.twilio_poll_seconds))
        self.poller.lookback = timedelta(hours=float(settings.twilio_lookback_hours))
        self.poller.poll_now()

    def stop(self, timeout: float = 30.0) -> bool:
        stopped = self.poller.stop(timeout)
        self.poll_client.close()
        self.provider.close()
        return stopped


def run_headless(args: argparse.Namespace, ctx: HeadlessContext, stop: threading.Event | None = None) -> int:
    """`consent-desk serve --provider twilio`: poll until Ctrl+C / SIGTERM (or `stop` is set)."""
    from desktop_app.services.ingest import IngestPipeline
    from desktop_app.services.runtime import build_detector

    settings = ctx.settings
    if getattr(args, "auto", False):
        settings.auto_mode = True  # this run only; the saved settings are not changed
    secrets = SecretStore()
    try:
        provider = build_provider(settings, secrets, allow_env=True)
    except ValueError as exc:
        print(f"Cannot poll Twilio: {exc}", file=sys.stderr)
        return 2
    check = provider.test_connection()
    if check.state in (ConnectionState.NOT_CONFIGURED, ConnectionState.BAD_CREDENTIALS):
        print(f"Cannot poll Twilio: {check.message} (set CONSENT_DESK_TWILIO_FROM)", file=sys.stderr)
        provider.close()
        return 2
    if not check.ok:
        print(f"Warning: {check.message} Polling anyway; it retries.", file=sys.stderr)

    book = ctx.open_book()
    # Confirmations go out on their own thread, so a slow send never delays the next poll.
    confirmations = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twilio-confirmations")
    pipeline = IngestPipeline(
        book,
        build_detector(settings),
        settings,
        sender=provider,
        on_result=log_result,
        confirmation_executor=confirmations,
    )
    pipeline.resend_missing_confirmations()
    connection = TwilioConnection(
        pipeline, settings, secrets, on_state=_print_state, allow_env=True, provider=provider
    )
    server = _start_webhook(connection, args, settings)
    stop = stop or threading.Event()
    previous = install_stop_handlers(stop)
    mode = "automatic" if settings.auto_mode else "review (free-text requests wait for the app)"
    print(
        f"Polling Twilio for {provider.from_address} every {settings.twilio_poll_seconds:g} s "
        f"(mode: {mode}; Ctrl+C stops)",
        flush=True,
    )
    connection.start()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        if server is not None:
            server.stop()
        confirmations.shutdown(wait=True)
        stopped = connection.stop()
        restore_handlers(previous)
        print("Stopped." if stopped else "Stopped (a Twilio request was still open).", flush=True)
    return 0


def _start_webhook(
    connection: TwilioConnection, args: argparse.Namespace, settings: Settings
) -> WebhookServer | None:
    """Optional: Twilio's inbound webhook too, when an auth token and the tunnel's URL are set."""
    if connection.route is None:
        return None
    port = settings.webhook_port if getattr(args, "port", None) is None else args.port
    server = WebhookServer(getattr(args, "host", None) or settings.webhook_host, port)
    connection.route.mount(server)
    try:
        host, bound = server.start()
    except OSError as exc:
        print(f"Webhook not started ({exc.strerror or exc}); polling only.", file=sys.stderr)
        return None
    print(f"Also accepting Twilio webhooks on http://{host}:{bound}{TWILIO_PATH}", flush=True)
    return server


def _print_state(state: ConnectionState, message: str) -> None:
    log.info("Twilio %s: %s", state.value, message)
    if state is not ConnectionState.POLLING or "Next try" in message:
        print(f"[{state.value}] {message}", file=sys.stderr, flush=True)

