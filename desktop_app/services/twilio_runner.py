"""Twilio inside the app: credentials, provider (sender), poller thread and the optional signed webhook."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from desktop_app.domain.model import IngestResult, ProviderEvent, StatusUpdate
from desktop_app.providers.base import ConnectionCheck, ConnectionState
from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from desktop_app.providers.twilio.parsing import is_whatsapp_address
from desktop_app.providers.twilio.provider import TwilioProvider
from desktop_app.providers.twilio.signature import SIGNATURE_HEADER
from desktop_app.providers.twilio.webhook import EMPTY_TWIML, check_twilio_delivery
from desktop_app.services.connections import NotConfiguredError, ProviderSpec, SecretReader, SourceContext
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.poller import CursorStore, StateCallback, TwilioPoller, cursor_name
from desktop_app.services.secrets import SECRET_ENV
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import HttpRequest, HttpResponse, WebhookServer

log = logging.getLogger(__name__)

TWILIO_PATH = "/twilio"
Ingest = Callable[[Sequence[ProviderEvent]], IngestResult]


def load_credentials(secrets: SecretReader, *, allow_env: bool = False) -> TwilioCredentials:
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
    secrets: SecretReader,
    *,
    allow_env: bool = False,
    timeout: tuple[float, float] | None = None,
) -> TwilioProvider:
    """The Sender (and Test connection) from settings and keyring; raises ValueError when unconfigured."""
    credentials = load_credentials(secrets, allow_env=allow_env)
    if timeout is None:
        client = TwilioClient(credentials, settings.twilio_base_url)
    else:
        client = TwilioClient(credentials, settings.twilio_base_url, timeout=timeout)
    return TwilioProvider(client, settings.twilio_from)


def build_sender(settings: Settings, secrets: SecretReader, allow_env: bool = False) -> TwilioProvider:
    """The registry's sender factory: build_provider, with missing credentials as NotConfiguredError."""
    try:
        return build_provider(settings, secrets, allow_env=allow_env)
    except ValueError as exc:
        raise NotConfiguredError(str(exc)) from None


def check_connection(settings: Settings, secrets: SecretReader) -> ConnectionCheck:
    """Settings' "Test connection" for Twilio: never raises; missing secrets are a plain NOT_CONFIGURED."""
    return TWILIO.check_connection(settings, secrets)


def preflight(settings: Settings, secrets: SecretReader) -> list[str]:
    """Headless `serve`: credentials (keyring or environment) that Twilio accepts, before the book opens."""
    provider = build_sender(settings, secrets, True)
    try:
        check = provider.test_connection()
    finally:
        provider.close()
    if check.state in (ConnectionState.NOT_CONFIGURED, ConnectionState.BAD_CREDENTIALS):
        raise NotConfiguredError(f"{check.message} (set CONSENT_DESK_TWILIO_FROM)")
    return [] if check.ok else [f"Warning: {check.message} Polling anyway; it retries."]


def attach_opt_out_signal(provider: TwilioProvider, ingest: Ingest) -> None:
    """A send refused with 21610 goes through the pipeline as a failed status, which records the opt-out.

    Called from the sending thread after the pipeline's commit (confirmations run outside the
    transaction), so a nested ingest here opens its own short transaction.
    """

    def record(status: object) -> None:
        if not isinstance(status, StatusUpdate):
            log.error("Twilio's opt-out signal was not a status update (%s)", type(status).__name__)
            return
        try:
            ingest([status])
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
        server.add_route("POST", path, self.handle_post, public=True)

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


class WrittenCursors:
    """The poller's cursor store: read from the book, written through the pipeline (on the book writer)."""

    def __init__(self, pipeline: IngestPipeline) -> None:
        self._pipeline = pipeline

    def get_cursor(self, name: str) -> str | None:
        return self._pipeline.book.get_cursor(name)

    def set_cursor(self, name: str, value: str) -> None:
        book = self._pipeline.book
        self._pipeline.write(lambda: book.set_cursor(name, value))


class TwilioConnection:
    """Everything Twilio needs while the app runs: provider (sender), poller thread, optional webhook.

    The webhook (POST /twilio) is served on `listen` = (host, port) when an auth token and the public
    URL are set; every write (messages, the poll cursor, 21610 opt-outs) goes through the pipeline.
    """

    def __init__(
        self,
        pipeline: IngestPipeline,
        settings: Settings,
        secrets: SecretReader,
        *,
        on_state: StateCallback | None = None,
        allow_env: bool = False,
        provider: TwilioProvider | None = None,
        listen: tuple[str, int] | None = None,
    ) -> None:
        if not is_whatsapp_address(settings.twilio_from):
            raise ValueError(
                "Enter your WhatsApp sender in Settings → Connection as whatsapp:+ and the number "
                "with country code (for example whatsapp:+15550100100)."
            )
        self._owns_provider = provider is None
        self.provider = provider or build_provider(settings, secrets, allow_env=allow_env)
        if pipeline.sender is None:
            pipeline.sender = self.provider
        for sender in {id(s): s for s in (self.provider, pipeline.sender)}.values():
            if isinstance(sender, TwilioProvider):
                attach_opt_out_signal(sender, pipeline.ingest)
        client = self.provider.client
        self.poll_client = TwilioClient(client.credentials, client.base_url, timeout=client.timeout)
        self.poller = build_poller(
            self.poll_client, settings, WrittenCursors(pipeline), pipeline.ingest, on_state
        )
        auth_token = secrets.get("twilio.auth_token", allow_env=allow_env)
        self.route = (
            TwilioWebhookRoute(auth_token=auth_token, public_url=settings.public_url, ingest=pipeline.ingest)
            if auth_token and settings.public_url
            else None
        )
        self._listen = listen
        self._on_state = on_state
        self.server: WebhookServer | None = None
        self.description = (
            f"Polling Twilio for {self.provider.from_address} every {settings.twilio_poll_seconds:g} s"
        )

    def start(self) -> None:
        self.poller.start()
        if self.route is not None and self._listen is not None:
            self._start_webhook(*self._listen)

    def _start_webhook(self, host: str, port: int) -> None:
        assert self.route is not None
        server = WebhookServer(host, port)
        self.route.mount(server)
        try:
            bound_host, bound_port = server.start()
        except OSError as exc:
            log.warning("Twilio webhook not started (%s); polling only", exc.strerror or exc)
            return
        self.server = server
        self.description += (
            f"; also accepting Twilio webhooks on http://{bound_host}:{bound_port}{TWILIO_PATH}"
        )

    def poll_now(self) -> None:
        self.poller.poll_now()

    def apply_settings(self, settings: Settings) -> None:
        """Interval and look-back take effect at the next poll; credentials or number need a restart."""
        self.poller.interval = max(0.05, float(settings.twilio_poll_seconds))
        self.poller.lookback = timedelta(hours=float(settings.twilio_lookback_hours))
        self.poller.poll_now()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the webhook and the poller; True when the poller's thread ended in time."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()
        stopped = self.poller.stop(timeout)
        self.poll_client.close()
        if self._owns_provider:
            self.provider.close()
        return stopped


class TwilioSource:
    """The registry's Twilio source: TwilioConnection built from the composition root's context."""

    def __init__(self, context: SourceContext) -> None:
        sender = context.sender if isinstance(context.sender, TwilioProvider) else None
        try:
            self.connection = TwilioConnection(
                context.pipeline,
                context.settings,
                context.secrets,
                on_state=context.report_state,
                allow_env=context.allow_env,
                provider=sender,
                listen=(context.listen_host, context.listen_port),
            )
        except ValueError as exc:
            raise NotConfiguredError(str(exc)) from exc

    @property
    def description(self) -> str:
        return self.connection.description

    def start(self) -> None:
        self.connection.start()

    def poll_now(self) -> None:
        self.connection.poll_now()

    def stop(self) -> None:
        if not self.connection.stop():
            log.warning("Stopped (a Twilio request was still open)")


TWILIO = ProviderSpec(
    name="twilio",
    label="Twilio",
    build_sender=build_sender,
    build_source=TwilioSource,
    preflight=preflight,
)
