"""The webhook server under idle and slow connections: a fixed thread count, drops, answers after commit."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from desktop_app.domain.model import InboundMessage, IngestResult, ProviderEvent
from desktop_app.services.meta_webhook import MetaWebhookService
from desktop_app.services.webhook_server import WebhookServer
from desktop_app.storage.book import ConsentBook
from tests.integration.houses import events_writer
from tests.integration.meta.conftest import APP_SECRET

IDLE_SOCKETS = 300  # bounded, loopback only
THREADS = 4


@pytest.fixture
def book(tmp_path: Path) -> Iterator[ConsentBook]:
    opened = ConsentBook.open(tmp_path / "book.sqlite3", default_region="US")
    yield opened
    opened.close()


@pytest.fixture
def service(book: ConsentBook) -> Iterator[MetaWebhookService]:
    """The real server and writer thread, committing inbound messages to a real consent book."""

    def commit(events: Sequence[ProviderEvent]) -> IngestResult:
        with book.unit_of_work() as uow:
            stored = sum(uow.store_inbound(e) is not None for e in events if isinstance(e, InboundMessage))
        return IngestResult(stored_messages=stored)

    writer = events_writer(commit, book)
    svc = MetaWebhookService(writer, app_secret=APP_SECRET, verify_token="token", port=0)
    svc.server.threads = THREADS
    with svc:
        yield svc
    writer.stop()


def _request(
    server: WebhookServer, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(*server.address, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def _idle_sockets(
    server: WebhookServer, count: int, first_bytes: bytes = b""
) -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(server.address, timeout=30)
            if first_bytes:
                sock.sendall(first_bytes)
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def test_idle_and_half_sent_connections_hold_no_threads_and_a_stop_still_gets_through(
    service: MetaWebhookService, book: ConsentBook, signed_fixtures: dict
) -> None:
    server = service.server
    assert _request(server, "GET", "/healthz")[0] == 200  # the worker pool is up
    baseline = threading.active_count()
    slowloris = b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"  # headers never finished
    with _idle_sockets(server, IDLE_SOCKETS), _idle_sockets(server, IDLE_SOCKETS // 3, slowloris):
        assert _request(server, "GET", "/healthz")[0] == 200  # accepted after every socket opened before it
        body, signature = signed_fixtures["text-stop.json"]
        status, answer = _request(
            server,
            "POST",
            "/webhook",
            body,
            {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        threads_while_open = threading.active_count()
        assert (status, answer) == (200, b"EVENT_RECEIVED")
        [message] = book.thread("+15550101234")  # stored before the 200, not after
        assert message.text == "STOP"
    # ThreadingHTTPServer ran one thread per connection: 400 sockets, 400 more threads.
    assert threads_while_open - baseline <= 2, f"{threads_while_open - baseline} threads for idle sockets"
    assert threads_while_open <= baseline + THREADS


def test_idle_and_kept_alive_connections_are_closed_after_the_timeout(signed_fixtures: dict) -> None:
    with WebhookServer("127.0.0.1", 0, socket_timeout=1) as server:
        with (
            _idle_sockets(server, 50) as silent,
            _idle_sockets(server, 20, b"GET /healthz HTTP/1.1\r\n") as slow,
        ):
            kept_alive = http.client.HTTPConnection(*server.address, timeout=30)
            kept_alive.request("GET", "/healthz")
            assert kept_alive.getresponse().read() == b'{"status": "ok"}'
            for sock in [*silent, *slow, kept_alive.sock]:
                assert sock is not None
                assert sock.recv(1) == b""  # the server hung up; the 30 s client timeout never fired
            kept_alive.close()
        assert _request(server, "GET", "/healthz")[0] == 200  # and it still serves


def test_health_tells_the_tunnel_only_that_we_are_up(
    service: MetaWebhookService, signed_fixtures: dict
) -> None:
    server = service.server
    body, signature = signed_fixtures["text-stop.json"]
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    assert _request(server, "POST", "/webhook", body, headers)[0] == 200
    status, answer = _request(server, "GET", "/healthz")
    assert status == 200 and json.loads(answer) == {"status": "ok"}
    assert server.last_delivery_at is not None and server.started_at is not None  # kept for local callers


@pytest.mark.expect_log(logger="waitress", level="WARNING", match=r"reached the connection limit")
def test_at_the_connection_limit_newcomers_wait_in_the_backlog_and_idle_ones_make_room() -> None:
    """40 idle sockets against a limit of 20: the crowd is dropped after 2 s, not the 30 s idle timeout."""
    server = WebhookServer("127.0.0.1", 0, connection_limit=20)
    with server, _idle_sockets(server, 40) as idle:
        conn = http.client.HTTPConnection(*server.address, timeout=15)  # shorter than the idle timeout
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()
        assert idle[0].recv(1) == b""  # the first idle ones were closed to make room
