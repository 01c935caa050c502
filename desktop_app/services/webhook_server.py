"""Local HTTP server for provider webhooks: its own threads, pluggable routes, /healthz built in."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # Meta's payloads reach 3 MB
HEALTH_PATH = "/healthz"
WORKER_THREADS = 8  # requests handled at once; idle connections hold no thread
CONNECTION_LIMIT = 1000  # open connections (fewer if the process may open few files); the rest wait
LISTEN_BACKLOG = 1024  # ...here, in the kernel's accept queue
CROWDED_IDLE_SECONDS = 2  # near the connection limit, idle connections are dropped this soon
# Any of these means the request came through a tunnel or proxy (ngrok, cloudflared), not from this computer.
TUNNEL_HEADERS = ("x-forwarded-for", "forwarded", "cf-connecting-ip", "cf-ray", "x-forwarded-host")


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
    """Registered routes served on 127.0.0.1 by default, by waitress: a fixed pool of worker threads.

    waitress reads each request completely on one I/O thread before a worker runs it, so idle or
    slow (slowloris) connections hold a socket, never a thread; a connection silent for
    `socket_timeout` seconds is closed; at most `connection_limit` are open, the rest wait in the
    listen backlog. A route's answer (e.g. 200 after the commit) is sent only when it returns.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8787,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        socket_timeout: float = 30.0,
        threads: int = WORKER_THREADS,
        connection_limit: int = CONNECTION_LIMIT,
    ) -> None:
        self._host = host
        self._port = port
        self.max_body_bytes = max_body_bytes
        self.socket_timeout = socket_timeout
        self.threads = threads
        self.connection_limit = connection_limit
        self._routes: dict[tuple[str, str], RouteHandler] = {}
        self._prefix_routes: dict[tuple[str, str], RouteHandler] = {}
        self._public_paths: set[str] = set()  # exact paths reachable through a tunnel
        self._public_prefixes: set[str] = set()
        self._routes_lock = threading.Lock()
        self._httpd: _Waitress | None = None
        self._thread: threading.Thread | None = None
        self.started_at: float | None = None  # for local callers only: never served over HTTP
        self.last_delivery_at: float | None = None  # wall clock of the last accepted POST (ditto)
        self.add_route("GET", HEALTH_PATH, self._health)

    # --- routes ----------------------------------------------------------------------------------

    def add_route(self, method: str, path: str, handler: RouteHandler, *, public: bool = False) -> None:
        """Mount a handler, e.g. add_route("POST", "/twilio", handler, public=True); replaces an earlier one.

        Only `public` paths answer requests that came through a tunnel; the others answer this computer only.
        """
        with self._routes_lock:
            self._routes[(method.upper(), path)] = handler
            if public:
                self._public_paths.add(path)

    def add_prefix_route(
        self, method: str, prefix: str, handler: RouteHandler, *, public: bool = False
    ) -> None:
        """Mount a handler for every path under `prefix` (it gets the full path); exact routes win."""
        with self._routes_lock:
            self._prefix_routes[(method.upper(), prefix)] = handler
            if public:
                self._public_prefixes.add(prefix)

    def is_public(self, path: str) -> bool:
        with self._routes_lock:
            return path in self._public_paths or any(path.startswith(p) for p in self._public_prefixes)

    def remove_route(self, method: str, path: str) -> None:
        with self._routes_lock:
            self._routes.pop((method.upper(), path), None)

    def route_for(self, method: str, path: str) -> RouteHandler | None:
        with self._routes_lock:
            exact = self._routes.get((method, path))
            if exact is not None or any(p == path for _, p in self._routes):
                return exact
            matches = [
                (len(p), h) for (m, p), h in self._prefix_routes.items() if m == method and path.startswith(p)
            ]
        return max(matches, key=lambda match: match[0])[1] if matches else None

    def has_path(self, path: str) -> bool:
        with self._routes_lock:
            return any(p == path for _, p in self._routes) or any(
                path.startswith(p) for _, p in self._prefix_routes
            )

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        """Bind and serve in a background thread; returns the bound (host, port)."""
        if self._httpd is not None:
            return self.address
        idle = max(1, math.ceil(self.socket_timeout))  # waitress counts whole seconds
        httpd = _Waitress(
            _WsgiApp(self),
            host=self._host,
            port=self._port,
            threads=self.threads,
            connection_limit=_affordable(self.connection_limit),
            backlog=LISTEN_BACKLOG,
            channel_timeout=idle,
            cleanup_interval=1,  # idle connections are looked for every second
            asyncore_loop_timeout=1,
            asyncore_use_poll=True,  # select() stops at 1024 file descriptors
            max_request_body_size=self.max_body_bytes + 1,  # waitress refuses at >=, we at >
            ident="ConsentDesk",
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=False,  # the tunnel filter needs to see X-Forwarded-* and Forwarded
        )
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.run, name="webhook-server", daemon=True)
        self._thread.start()
        self.started_at = time.time()
        log.info("Webhook server listening on http://%s:%d", *self.address)
        return self.address

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests in progress finish (their commit and answer), then close all."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        _pull(httpd, lambda: wasyncore.dispatcher.close(httpd))  # the listening socket only
        httpd.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
        _pull(httpd, lambda: _close_all(httpd))
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
        return str(self._httpd.effective_host), int(self._httpd.effective_port)

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
        """This computer only (the tunnel filter hides it): says only that we are up."""
        return HttpResponse.json(200, {"status": "ok"})


def _pull(httpd: Any, action: Callable[[], None]) -> None:
    """Run `action` on the server's loop thread; a trigger already closed means the loop is done."""
    try:
        httpd.trigger.pull_trigger(action)
    except OSError:
        log.debug("The webhook server's loop had already closed its sockets")


class _Parser(HTTPRequestParser):  # type: ignore[misc]
    def parse_header(self, header_plus: bytes) -> None:
        """Bodies come with a Content-Length (Meta's and Twilio's do); chunked ones are a 400."""
        super().parse_header(header_plus)
        if self.chunked:
            raise ParsingError("send a Content-Length; chunked bodies are not accepted")


class _Channel(HTTPChannel):  # type: ignore[misc]
    parser_class = _Parser

    def send_continue(self) -> None:
        """An oversized body is refused (413) at once instead of first being invited by 100 Continue."""
        if self.request is not None and self.request.error is not None:
            self.request.expect_continue = False
            return
        super().send_continue()


class _Waitress(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel

    def maintenance(self, now: float) -> None:
        """Close idle connections; near the connection limit after seconds, so newcomers get in."""
        idle = self.adj.channel_timeout
        if len(self.active_channels) >= self.adj.connection_limit * 0.8:
            idle = min(idle, CROWDED_IDLE_SECONDS)
        cutoff = now - idle
        for channel in list(self.active_channels.values()):
            if not channel.requests and channel.last_activity < cutoff:
                channel.will_close = True


def _affordable(limit: int) -> int:
    """At most half the file descriptors this process may open (macOS allows 256 by default)."""
    try:
        import resource
    except ImportError:  # Windows: no poll(), and CPython's select() there takes at most 512 sockets
        return min(limit, 500)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return limit if soft == resource.RLIM_INFINITY else max(16, min(limit, soft // 2))


def _close_all(httpd: _Waitress) -> None:
    """On the I/O thread: close every connection, then the trigger, so the server loop ends."""
    for channel in list(httpd._map.values()):
        if channel is not httpd.trigger:
            channel.close()
    httpd.trigger.close()


class _Headers(Mapping[str, str]):
    """Request headers from a WSGI environ, looked up without regard to case."""

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._items: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                self._items[key[5:].replace("_", "-").lower()] = value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                self._items[key.replace("_", "-").lower()] = value

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class _WsgiApp:
    """WSGI entry point: waitress has already read the whole body (within max_request_body_size)."""

    def __init__(self, app: WebhookServer) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = self._respond(environ)
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        headers += list(response.headers.items())
        start_response(f"{response.status} {_reason(response.status)}", headers)
        return [response.body]

    def _respond(self, environ: dict[str, Any]) -> HttpResponse:
        app = self._app
        method = str(environ["REQUEST_METHOD"]).upper()
        path = str(environ.get("PATH_INFO") or "/")
        body = b""
        if method in ("POST", "PUT"):
            raw_length = environ.get("CONTENT_LENGTH")
            if raw_length in (None, ""):
                return HttpResponse.text(411, "Content-Length required")
            length = int(raw_length)  # waitress accepts digits only
            if length > app.max_body_bytes:
                return HttpResponse.text(413, f"body larger than {app.max_body_bytes} bytes")
            body = environ["wsgi.input"].read(length)
        if _through_tunnel(environ) and not app.is_public(path):
            return HttpResponse.text(404, "not found")
        handler = app.route_for(method, path)
        if handler is None:
            status = 405 if app.has_path(path) else 404
            return HttpResponse.text(status, "method not allowed" if status == 405 else "not found")
        request = HttpRequest(
            method=method,
            path=path,
            query=parse_qs(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True),
            headers=_Headers(environ),
            body=body,
            client=str(environ.get("REMOTE_ADDR") or ""),
        )
        try:
            return handler(request)
        except Exception:
            log.exception("Webhook handler for %s %s failed", method, path)
            return HttpResponse.text(500, "internal error; please retry")


def _through_tunnel(environ: Mapping[str, Any]) -> bool:
    headers = _Headers(environ)
    return any(name in headers for name in TUNNEL_HEADERS) or any(
        name.startswith("ngrok-") for name in headers
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
