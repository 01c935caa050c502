"""Local HTTP server for provider webhooks (its own thread, pluggable routes) and Meta's /webhook."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from desktop_app.domain.model import IngestResult, ProviderEvent
from desktop_app.providers.meta_cloud.signature import SIGNATURE_HEADER
from desktop_app.providers.meta_cloud.webhook import answer_verification, check_delivery
from desktop_app.services.ingest import IngestWorker

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Meta's payloads reach 3 MB
META_PATH = "/webhook"
HEALTH_PATH = "/healthz"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    client: str


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str) -> HttpResponse:
        return cls(status, text.encode("utf-8"))

    @classmethod
    def json(cls, status: int, data: Any) -> HttpResponse:
        return cls(status, json.dumps(data).encode("utf-8"), "application/json")


RouteHandler = Callable[[HttpRequest], HttpResponse]


class WebhookServer:
    """A ThreadingHTTPServer on 127.0.0.1 by default, serving registered routes from its own thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        socket_timeout: float = 30.0,
    ) -> None:
        self._host = host
        self._port = port
        self.max_body_bytes = max_body_bytes
        self.socket_timeout = socket_timeout
        self._routes: dict[tuple[str, str], RouteHandler] = {}
        self._routes_lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.started_at: float | None = None
        self.last_delivery_at: float | None = None  # wall clock of the last accepted POST
        self.add_route("GET", HEALTH_PATH, self._health)

    # --- routes ----------------------------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        """Mount a handler, e.g. add_route("POST", "/twilio", handler); replaces an earlier one."""
        with self._routes_lock:
            self._routes[(method.upper(), path)] = handler

    def remove_route(self, method: str, path: str) -> None:
        with self._routes_lock:
            self._routes.pop((method.upper(), path), None)

    def route_for(self, method: str, path: str) -> RouteHandler | None:
        with self._routes_lock:
            return self._routes.get((method, path))

    def has_path(self, path: str) -> bool:
        with self._routes_lock:
            return any(p == path for _, p in self._routes)

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        """Bind and serve in a background thread; returns the bound (host, port)."""
        if self._httpd is not None:
            return self.address
        httpd = _Server((self._host, self._port), _Handler)
        httpd.app = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="webhook-server", daemon=True
        )
        self._thread.start()
        self.started_at = time.time()
        log.info("Webhook server listening on http://%s:%d", *self.address)
        return self.address

    def stop(self, timeout: float = 5.0) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout)
        log.info("Webhook server stopped")

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def address(self) -> tuple[str, int]:
        if self._httpd is None:
            return self._host, self._port
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def __enter__(self) -> WebhookServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _health(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse.json(
            200, {"ok": True, "last_delivery_at": self.last_delivery_at, "started_at": self.started_at}
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    app: WebhookServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Default prints a traceback to stderr; a dropped client is not our crash.
        log.debug("Connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Meta and the benchmark reuse connections
    server: _Server
    server_version = "ConsentDesk"
    sys_version = ""

    def setup(self) -> None:
        self.timeout = self.server.app.socket_timeout
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)

    def handle_expect_100(self) -> bool:
        """Refuse an oversized body before the client sends it, instead of inviting it."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > self.server.app.max_body_bytes:
            self._refuse(413, f"body larger than {self.server.app.max_body_bytes} bytes")
            return False
        return super().handle_expect_100()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        body = self._read_body(app.max_body_bytes) if method in ("POST", "PUT") else b""
        if body is None:
            return
        handler = app.route_for(method, url.path)
        if handler is None:
            status = 405 if app.has_path(url.path) else 404
            self._send(HttpResponse.text(status, "method not allowed" if status == 405 else "not found"))
            return
        request = HttpRequest(
            method=method,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=self.headers,  # type: ignore[arg-type]
            body=body,
            client=self.client_address[0],
        )
        try:
            response = handler(request)
        except Exception:
            log.exception("Webhook handler for %s %s failed", method, url.path)
            response = HttpResponse.text(500, "internal error; please retry")
        self._send(response)

    def _read_body(self, limit: int) -> bytes | None:
        """The body, or None after answering 411/413/400 (and closing, since the body was not read)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._refuse(411, "send a Content-Length")
            return None
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            self._refuse(411, "Content-Length required")
            return None
        try:
            length = int(raw_length)
        except ValueError:
            length = -1
        if length < 0:
            self._refuse(400, "bad Content-Length")
            return None
        if length > limit:
            log.warning("Refused a %d-byte POST from %s (limit %d)", length, self.client_address[0], limit)
            self._refuse(413, f"body larger than {limit} bytes")
            return None
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return None
        return body

    def _refuse(self, status: int, text: str) -> None:
        self.close_connection = True
        self._send(HttpResponse.text(status, text), close=True)

    def _send(self, response: HttpResponse, *, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)


Submit = Callable[[list[ProviderEvent]], "Future[IngestResult]"]


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
    ) -> None:
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._submit = submit
        self._commit_timeout = commit_timeout
        self._on_delivery = on_delivery
        self._server: WebhookServer | None = None

    def mount(self, server: WebhookServer, path: str = META_PATH) -> None:
        server.add_route("GET", path, self.handle_get)
        server.add_route("POST", path, self.handle_post)
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
        try:
            self._submit(events).result(timeout=self._commit_timeout)
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


LAST_DELIVERY_CURSOR = "meta.last_delivery_at"
STALE_AFTER = timedelta(days=3)  # Meta gives up on undelivered webhooks after 7 days
_PERSIST_EVERY_SECONDS = 60.0


class MetaWebhookService:
    """Server, writer thread and Meta route, started and stopped together (GUI and `serve`).

    `commit(items)` runs on the single writer thread; `prepare(events) -> items` (optional) runs on
    the request threads first, e.g. IngestPipeline.prepare, so detection overlaps the writer's fsync.
    """

    def __init__(
        self,
        commit: Callable[[Sequence[Any]], IngestResult],
        *,
        app_secret: str,
        verify_token: str,
        prepare: Callable[[Sequence[ProviderEvent]], Sequence[Any]] | None = None,
        host: str = "127.0.0.1",
        port: int = 8787,
        book: CursorStore | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.worker = IngestWorker(commit)
        self.server = WebhookServer(host, port, max_body_bytes=max_body_bytes)
        self._prepare = prepare
        self._book = book
        self._pipeline: Any = None  # set by for_pipeline when this service owns the confirmation thread
        self._executor: ThreadPoolExecutor | None = None
        self._persisted_at = 0.0
        self._lock = threading.Lock()
        self.route = MetaWebhookRoute(
            app_secret=app_secret, verify_token=verify_token, submit=self._submit, on_delivery=self._delivered
        )
        self.route.mount(self.server)

    @classmethod
    def for_pipeline(cls, pipeline: Any, **options: Any) -> MetaWebhookService:
        """Wire an IngestPipeline: classify on request threads, store+decide+commit on the writer.

        Confirmations then go out on their own thread, so neither the 200 nor the writer waits on Graph.
        """
        service = cls(pipeline.ingest_prepared, prepare=pipeline.prepare, **options)
        if pipeline.confirmation_executor is None:
            service._pipeline = pipeline
        return service

    def _submit(self, events: list[ProviderEvent]) -> Future[IngestResult]:
        items = self._prepare(events) if self._prepare is not None else events
        return self.worker.submit(items)

    def start(self) -> tuple[str, int]:
        if self._pipeline is not None and self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confirmations")
            self._pipeline.confirmation_executor = self._executor
        self.worker.start()
        try:
            return self.server.start()
        except OSError:
            self.stop()
            raise

    def stop(self) -> None:
        self.server.stop()
        self.worker.stop()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)  # confirmations already due still go out
            if self._pipeline is not None and self._pipeline.confirmation_executor is executor:
                self._pipeline.confirmation_executor = None

    def __enter__(self) -> MetaWebhookService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _delivered(self) -> None:
        """Remember (at most once a minute) that Meta reached us, for the 'unreachable' warning."""
        if self._book is None:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._persisted_at < _PERSIST_EVERY_SECONDS:
                return
            self._persisted_at = now
        try:
            self._book.set_cursor(LAST_DELIVERY_CURSOR, datetime.now(UTC).isoformat())
        except Exception as exc:
            log.warning("Could not record the last delivery time (%s)", type(exc).__name__)


class CursorStore(Protocol):
    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...


def unreachable_warning(book: CursorStore, now: datetime | None = None) -> str | None:
    """A sentence for the owner when Meta has not reached the app for days, else None."""
    raw = book.get_cursor(LAST_DELIVERY_CURSOR)
    if not raw:
        return None
    try:
        last = datetime.fromisoformat(raw)
    except ValueError:
        return None
    gap = (now or datetime.now(UTC)) - last
    if gap < STALE_AFTER:
        return None
    return (
        f"Meta has not delivered anything for {gap.days} days. Messages Meta could not deliver are "
        "lost after 7 days: keep the app (or `consent-desk serve`) and the tunnel running on an "
        "always-on computer."
    )
