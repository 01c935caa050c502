"""Meta's Cloud API in the app: the signed /webhook route, its service on the book writer, the provider."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from datetime import UTC, datetime

from desktop_app.domain.model import IngestResult, ProviderEvent, UnparsedPayload
from desktop_app.providers.base import ConnectionCheck, ConnectionState
from desktop_app.providers.meta_cloud.graph_client import GraphClient
from desktop_app.providers.meta_cloud.reply_numbers import ReplyNumbers
from desktop_app.providers.meta_cloud.signature import SIGNATURE_HEADER
from desktop_app.providers.meta_cloud.webhook import answer_verification, check_delivery
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.connections import NotConfiguredError, ProviderSpec, SecretReader, SourceContext
from desktop_app.services.meta_check import round_trip
from desktop_app.services.meta_gaps import LAST_DELIVERY_CURSOR, CursorStore, unreachable_warning
from desktop_app.services.meta_registration import RegistrationReport, register_webhook
from desktop_app.services.secrets import SECRET_ENV
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import (
    MAX_BODY_BYTES,
    HttpRequest,
    HttpResponse,
    WebhookServer,
)

log = logging.getLogger(__name__)

META_PATH = "/webhook"
REPLY_NUMBER_CURSOR = "meta.phone_number_id"  # the last number Meta delivered for: the next start's fallback
_PERSIST_EVERY_SECONDS = 60.0
Submit = Callable[[Sequence[ProviderEvent]], "Future[IngestResult]"]


class MetaWebhookRoute:
    """GET = Meta's verification handshake; POST = signed events, answered 200 only after commit."""

    def __init__(
        self,
        *,
        app_secret: str,
        verify_token: str,
        submit: Submit,
        commit_timeout: float = 25.0,
        on_delivery: Callable[[], None] | None = None,
        on_events: Callable[[list[ProviderEvent]], None] | None = None,
    ) -> None:
        self._app_secret = app_secret
        self._on_events = on_events
        self._verify_token = verify_token
        self._submit = submit
        self._commit_timeout = commit_timeout
        self._on_delivery = on_delivery
        self._server: WebhookServer | None = None

    def mount(self, server: WebhookServer, path: str = META_PATH) -> None:
        server.add_route("GET", path, self.handle_get, public=True)
        server.add_route("POST", path, self.handle_post, public=True)
        self._server = server

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        challenge = answer_verification(request.query, self._verify_token)
        if challenge is None:
            log.warning("Meta verification refused: wrong hub.mode or verify token")
            return HttpResponse.text(403, "verification failed")
        log.info("Meta verified the callback URL")
        return HttpResponse.text(200, challenge)

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        checked = check_delivery(request.body, request.headers.get(SIGNATURE_HEADER), self._app_secret)
        if checked.rejection is not None:
            log.warning("Refused a webhook POST from %s: %s", request.client, checked.detail)
            return HttpResponse.text(checked.rejection.value, checked.detail)
        events = checked.events or []
        if self._on_events is not None:
            self._on_events(events)  # before the commit: confirmations sent after it need the number
        try:
            self._store(events)
        except FutureTimeoutError:
            log.error("Storing a webhook batch took longer than %.0fs; Meta will retry", self._commit_timeout)
            return HttpResponse.text(503, "not stored yet; please retry")
        except Exception as exc:
            log.error("Storing a webhook batch failed (%s); answered 500 so Meta retries", type(exc).__name__)
            return HttpResponse.text(500, "not stored; please retry")
        if self._server is not None:
            self._server.last_delivery_at = time.time()
        if self._on_delivery is not None:
            self._on_delivery()
        return HttpResponse.text(200, "EVENT_RECEIVED")

    def _store(self, events: list[ProviderEvent]) -> None:
        """Commit the delivery; if that fails, each event alone, so one poisoned event never blocks the rest.

        When some events store alone and others do not, the book works and the others are poison: they
        are kept as text instead. Raises (so Meta retries) when nothing stores: then the fault is the book's.
        """
        try:
            self._commit(events)
            return
        except FutureTimeoutError:
            raise
        except Exception as exc:
            if len(events) < 2:
                raise
            log.warning(
                "Storing a webhook batch failed (%s); storing its events one by one", type(exc).__name__
            )
            failure = exc
        refused = [event for event in events if not self._stored_alone(event)]
        if len(refused) == len(events):
            raise failure
        for event in refused:
            self._commit([UnparsedPayload(event.provider, "could not be stored as parsed", repr(event))])

    def _stored_alone(self, event: ProviderEvent) -> bool:
        try:
            self._commit([event])
        except FutureTimeoutError:
            raise
        except Exception as exc:
            log.warning("One webhook event could not be stored (%s)", type(exc).__name__)
            return False
        return True

    def _commit(self, events: list[ProviderEvent]) -> None:
        self._submit(events).result(timeout=self._commit_timeout)


class MetaWebhookService:
    """Server and Meta route in front of the book writer, started and stopped together (GUI and `serve`).

    The request threads classify (the writer's bound `prepare`); the writer stores, decides and commits;
    the 200 follows the commit. The writer belongs to the composition root: this service never stops it.
    """

    def __init__(
        self,
        writer: BookWriter[CursorStore],
        *,
        app_secret: str,
        verify_token: str,
        host: str = "127.0.0.1",
        port: int = 8787,
        max_body_bytes: int = MAX_BODY_BYTES,
        remember_deliveries: bool = True,
        numbers: ReplyNumbers | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_first_delivery: Callable[[], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_first_delivery = on_first_delivery
        self._delivered_once = False
        self.writer = writer
        self.server = WebhookServer(host, port, max_body_bytes=max_body_bytes)
        self._remember = remember_deliveries
        self._persisted_at: float | None = None
        self._lock = threading.Lock()
        self.route = MetaWebhookRoute(
            app_secret=app_secret,
            verify_token=verify_token,
            submit=writer.submit_ingest,
            on_delivery=self._delivered,
            on_events=numbers.learn if numbers is not None else None,
        )
        if numbers is not None:
            self._load_reply_number(numbers)
        self.route.mount(self.server)

    def start(self) -> tuple[str, int]:
        return self.server.start()

    def _load_reply_number(self, numbers: ReplyNumbers) -> None:
        book = self.writer.book
        try:
            known = book.get_cursor(REPLY_NUMBER_CURSOR)
        except Exception as exc:  # a fallback only: never a reason not to listen
            log.warning("Could not read the last WhatsApp number (%s)", type(exc).__name__)
            known = None
        if known:
            numbers.seen(known)

        def remember(number: str) -> None:
            self.writer.submit(lambda: book.set_cursor(REPLY_NUMBER_CURSOR, number)).add_done_callback(
                _log_cursor_failure
            )

        numbers.on_first_seen = remember

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> MetaWebhookService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _delivered(self) -> None:
        """Remember (at most once a minute) that Meta reached us, for the 'unreachable' warning."""
        with self._lock:
            first, self._delivered_once = not self._delivered_once, True
        if first and self._on_first_delivery is not None:
            self._on_first_delivery()
        if not self._remember:
            return
        now = time.monotonic()
        with self._lock:
            if self._persisted_at is not None and now - self._persisted_at < _PERSIST_EVERY_SECONDS:
                return
            self._persisted_at = now
        book = self.writer.book
        stamp = self._clock().isoformat()
        # On the writer, not this request thread; the 200 does not wait for it.
        self.writer.submit(lambda: book.set_cursor(LAST_DELIVERY_CURSOR, stamp)).add_done_callback(
            _log_cursor_failure
        )


def _log_cursor_failure(future: Future[None]) -> None:
    exc = future.exception()
    if exc is not None:
        log.warning("Could not record the last delivery time (%s)", type(exc).__name__)


# --- the provider ----------------------------------------------------------------------------------


def build_sender(settings: Settings, secrets: SecretReader, allow_env: bool = False) -> GraphClient:
    """The Graph API client (built once per session); NotConfiguredError without an access token.

    The phone number id is optional: replies go out from the number each customer wrote to.
    """
    token = secrets.get("meta.access_token", allow_env=allow_env)
    if not token:
        raise NotConfiguredError("Enter the Meta access token in Settings → Connection to send messages.")
    return GraphClient(
        access_token=token,
        phone_number_id=settings.meta_phone_number_id.strip(),
        base_url=settings.meta_graph_url,
        api_version=settings.meta_api_version,
    )


def preflight(settings: Settings, secrets: SecretReader) -> list[str]:
    """Headless `serve`: raises NotConfiguredError without the webhook's secrets; notes otherwise."""
    missing = [
        SECRET_ENV[name]
        for name in ("meta.app_secret", "meta.verify_token")
        if not secrets.get(name, allow_env=True)
    ]
    if missing:
        raise NotConfiguredError(
            "the Meta App Secret and verify token are needed. Save them in the app "
            f"(Settings -> Connection) or set {' and '.join(missing)}."
        )
    if secrets.get("meta.access_token", allow_env=True):
        return []
    return [
        "Note: no access token, so no confirmations will be sent (opt-outs are still recorded). "
        f"Save it in the app or set {SECRET_ENV['meta.access_token']}."
    ]


class MetaConnection:
    """The webhook server on the book writer, for Meta's Cloud API."""

    def __init__(self, context: SourceContext) -> None:
        secrets, allow_env = context.secrets, context.allow_env
        app_secret = secrets.get("meta.app_secret", allow_env=allow_env)
        verify_token = secrets.get("meta.verify_token", allow_env=allow_env)
        if not app_secret or not verify_token:
            raise NotConfiguredError(
                "Enter the Meta App Secret and a verify token in Settings → Connection to receive messages."
            )
        self._report = context.report_state
        self.service = MetaWebhookService(
            context.writer,
            app_secret=app_secret,
            verify_token=verify_token,
            host=context.listen_host,
            port=context.listen_port,
            numbers=context.sender.numbers if isinstance(context.sender, GraphClient) else None,
            clock=context.clock,
            on_first_delivery=self._reached,
        )
        self._warning = unreachable_warning(context.writer.book, now=context.clock())
        self._context = context
        self.registration: RegistrationReport | None = None
        self.registered = threading.Event()  # set once registration has an answer (tests, `--check`)
        self._registering: threading.Thread | None = None

    def start(self) -> None:
        host, port = self.service.start()
        self.description = f"Listening on http://{host}:{port}{META_PATH}"
        message = f"Waiting for Meta at http://{host}:{port}{META_PATH} (expose it with a tunnel)"
        if self._warning:
            log.warning("%s", self._warning)  # `serve`'s log says it too, not only the window
        self._report(ConnectionState.WEBHOOK_WAITING, self._warning or message)
        if self._context.settings.public_url.strip():
            self.register(self._context.settings.public_url)

    @property
    def address(self) -> tuple[str, int]:
        """Where the server listens (the real port when 0 was asked for)."""
        return self.service.server.address

    def _reached(self) -> None:
        stamp = self._context.clock().astimezone(UTC).strftime("%H:%M UTC")
        self._report(ConnectionState.CONNECTED, f"Meta reached the app at {stamp}")

    def register(self, public_url: str) -> None:
        """Register `public_url` with Meta on a thread: our server must answer Meta's GET meanwhile."""
        self.registered.clear()
        thread = threading.Thread(
            target=self._register, args=(public_url,), name="meta-registration", daemon=True
        )
        self._registering = thread
        thread.start()

    def _register(self, public_url: str) -> None:
        context = self._context
        book = context.writer.book

        def remember(name: str, value: str) -> None:
            context.writer.submit(lambda: book.set_cursor(name, value)).add_done_callback(_log_cursor_failure)

        try:
            report = register_webhook(
                context.settings,
                context.secrets,
                public_url,
                book=book,
                remember=remember,
                allow_env=context.allow_env,
            )
        except Exception as exc:  # a bug here must not take the webhook down with it
            log.error("Registering the webhook failed unexpectedly (%s)", type(exc).__name__)
            report = RegistrationReport(False, ("Registering the webhook failed; see the log.",))
        self.registration = report
        for line in report.lines:
            log.info("Webhook registration: %s", line)
        state = ConnectionState.WEBHOOK_WAITING if report.ok else ConnectionState.NOT_CONFIGURED
        self._report(state, " ".join(report.lines))
        if report.ok and self._warning:  # the gap still matters more than a registration that worked
            self._report(ConnectionState.WEBHOOK_WAITING, self._warning)
        self.registered.set()

    description = "Meta webhook (not started)"

    def poll_now(self) -> None:
        """Meta pushes; there is nothing to ask for."""

    def stop(self) -> None:
        thread = self._registering
        if thread is not None:
            thread.join(timeout=35.0)  # Graph's read timeout bounds it
        self.service.stop()


META = ProviderSpec(
    name="meta",
    label="Meta WhatsApp Cloud API",
    build_sender=build_sender,
    build_source=MetaConnection,
    preflight=preflight,
    round_trip=lambda settings, secrets, allow_env: round_trip(settings, secrets, allow_env=allow_env),
    register_webhook=lambda settings, secrets, url: registration_check(
        register_webhook(settings, secrets, url)
    ),
)


def registration_check(report: RegistrationReport) -> ConnectionCheck:
    """A registration's lines as the ConnectionCheck the Settings window shows."""
    state = ConnectionState.WEBHOOK_WAITING if report.ok else ConnectionState.NOT_CONFIGURED
    return ConnectionCheck(report.ok, state, "\n".join(report.lines))
