"""The webhook server over real loopback HTTP, with the writer thread and a recording ingest function."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from desktop_app.domain.model import InboundMessage, IngestResult, ProviderEvent, UnparsedPayload
from desktop_app.providers.meta_cloud.signature import sign
from desktop_app.services.meta_webhook import MetaWebhookRoute
from desktop_app.services.webhook_server import HttpRequest, HttpResponse, WebhookServer
from tests.integration.houses import events_writer
from tests.integration.meta.conftest import APP_SECRET

VERIFY_TOKEN = "my-verify-token"


@dataclass
class RecordingIngest:
    """Stands in for the book-backed pipeline: keeps committed events, can be told to fail."""

    committed: list[ProviderEvent] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, events: Sequence[ProviderEvent]) -> IngestResult:
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                raise OSError("disk full")
            self.committed.extend(events)
        return IngestResult(stored_messages=len(events))


@pytest.fixture
def ingest() -> RecordingIngest:
    return RecordingIngest()


@pytest.fixture
def server(ingest: RecordingIngest) -> Iterator[WebhookServer]:
    worker = events_writer(ingest)
    srv = WebhookServer("127.0.0.1", 0, max_body_bytes=4 * 1024 * 1024)
    submit = worker.submit_ingest
    MetaWebhookRoute(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, submit=submit).mount(srv)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        worker.stop()


def _request(
    server: WebhookServer, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    host, port = server.address
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _post(server: WebhookServer, body: bytes, signature: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return _request(server, "POST", "/webhook", body, headers)


@pytest.mark.expect_log(level="WARNING", match=r"^Meta verification refused")
def test_verification_handshake(server: WebhookServer) -> None:
    ok = _request(
        server, "GET", f"/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    )
    assert ok == (200, b"1158201444")
    assert (
        _request(server, "GET", "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")[0] == 403
    )
    assert (
        _request(
            server, "GET", f"/webhook?hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"
        )[0]
        == 403
    )
    assert _request(server, "GET", f"/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}")[0] == 403
    assert _request(server, "GET", "/webhook")[0] == 403


def test_every_signed_fixture_is_accepted_and_committed(
    server: WebhookServer, ingest: RecordingIngest, signed_fixtures: dict
) -> None:
    for name, (body, signature) in signed_fixtures.items():
        status, answer = _post(server, body, signature)
        assert (status, answer) == (200, b"EVENT_RECEIVED"), name
    messages = [e for e in ingest.committed if isinstance(e, InboundMessage)]
    assert len(messages) == 17  # 14 one-message fixtures + the batch of 3
    assert sum(isinstance(e, UnparsedPayload) for e in ingest.committed) == 1
    assert server.last_delivery_at is not None


@pytest.mark.expect_log(level="WARNING", match=r"^Refused a webhook POST")
def test_tampered_wrong_and_missing_signatures(
    server: WebhookServer, ingest: RecordingIngest, signed_fixtures: dict
) -> None:
    body, signature = signed_fixtures["text-stop.json"]
    tampered = body.replace(b'"STOP"', b'"HELLO"')
    assert _post(server, tampered, signature)[0] == 403
    assert _post(server, body, sign(body, "another_secret"))[0] == 403
    assert _post(server, body, "sha256=" + "0" * 64)[0] == 403
    assert _post(server, body, None)[0] == 401
    assert _post(server, json.dumps(json.loads(body)).encode(), signature)[0] == 403
    assert ingest.committed == []


@pytest.mark.expect_log(level="WARNING", match=r"^Refused a webhook POST")
def test_malformed_json_is_400(server: WebhookServer, ingest: RecordingIngest) -> None:
    body = b'{"object": "whatsapp_business_account", '
    status, answer = _post(server, body, sign(body, APP_SECRET))
    assert status == 400 and b"not valid JSON" in answer
    assert ingest.committed == []


def test_valid_json_of_unknown_shape_is_stored_unparsed(
    server: WebhookServer, ingest: RecordingIngest
) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [{"changes": "nope"}]}'
    assert _post(server, body, sign(body, APP_SECRET))[0] == 200
    [event] = ingest.committed
    assert isinstance(event, UnparsedPayload)


def test_oversized_body_is_413_without_reading_it(server: WebhookServer, ingest: RecordingIngest) -> None:
    host, port = server.address
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Hub-Signature-256: sha256=00\r\nContent-Length: 4194305\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert ingest.committed == []


def test_three_megabyte_payload_is_accepted(
    server: WebhookServer, ingest: RecordingIngest, signed_fixtures: dict
) -> None:
    envelope = json.loads(signed_fixtures["text-stop.json"][0])
    envelope["padding"] = "x" * (3 * 1024 * 1024)
    body = json.dumps(envelope).encode()
    assert _post(server, body, sign(body, APP_SECRET))[0] == 200
    assert len(ingest.committed) == 1


def test_missing_length_and_chunked_are_refused(server: WebhookServer) -> None:
    host, port = server.address
    for head in (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    ):
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(head)
            answer = sock.recv(4096)
        assert answer.split(b"\r\n")[0] in (b"HTTP/1.1 411 Length Required", b"HTTP/1.1 400 Bad Request")


@pytest.mark.expect_log(level="ERROR", match=r"^Ingest failed|^Storing a webhook batch failed")
def test_commit_failure_answers_5xx_then_retry_succeeds(
    server: WebhookServer, ingest: RecordingIngest, signed_fixtures: dict
) -> None:
    body, signature = signed_fixtures["text-stop.json"]
    ingest.fail_next = 1
    assert _post(server, body, signature)[0] == 500
    assert ingest.committed == []
    assert _post(server, body, signature)[0] == 200
    assert len(ingest.committed) == 1


def test_health_and_unknown_paths(server: WebhookServer) -> None:
    status, body = _request(server, "GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}  # nothing more through the tunnel
    assert _request(server, "GET", "/nope")[0] == 404
    assert _request(server, "DELETE", "/webhook")[0] == 405


def test_garbage_requests_never_stop_the_server(server: WebhookServer, signed_fixtures: dict) -> None:
    host, port = server.address
    for junk in (
        b"\x00\xff garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
    ):
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(4096)
    body, signature = signed_fixtures["text-stop.json"]
    assert _post(server, body, signature)[0] == 200


def test_pluggable_route_for_other_providers(server: WebhookServer) -> None:
    seen: list[HttpRequest] = []

    def twilio(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(200, b"<Response/>", "text/xml")

    server.add_route("POST", "/twilio", twilio)
    status, body = _request(
        server, "POST", "/twilio?x=1", b"Body=STOP", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (status, body) == (200, b"<Response/>")
    assert seen[0].body == b"Body=STOP" and seen[0].query == {"x": ["1"]}


@pytest.mark.expect_log(level="ERROR", match=r"^Webhook handler for POST /broken failed")
def test_failing_route_answers_500_and_server_lives(server: WebhookServer) -> None:
    def broken(request: HttpRequest) -> HttpResponse:
        raise ValueError("bug")

    server.add_route("POST", "/broken", broken)
    assert _request(server, "POST", "/broken", b"x")[0] == 500
    assert _request(server, "GET", "/healthz")[0] == 200


def test_concurrent_posts_are_group_committed(ingest: RecordingIngest, signed_fixtures: dict) -> None:
    worker = events_writer(ingest)
    with WebhookServer("127.0.0.1", 0) as srv:
        submit = worker.submit_ingest
        route = MetaWebhookRoute(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, submit=submit)
        route.mount(srv)
        bodies = list(signed_fixtures.values()) * 4
        statuses: list[int] = []

        def client(chunk: list) -> None:
            for body, signature in chunk:
                statuses.append(_post(srv, body, signature)[0])

        threads = [threading.Thread(target=client, args=(bodies[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    worker.stop()
    assert statuses == [200] * len(bodies)
    assert 0 < worker.commits <= len(bodies)
    assert sum(isinstance(e, InboundMessage) for e in ingest.committed) == 17 * 4


def test_expect_continue_oversized_is_refused_before_upload(server: WebhookServer) -> None:
    host, port = server.address
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 9999999\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def test_expect_continue_normal_body_is_accepted(server: WebhookServer, signed_fixtures: dict) -> None:
    body, signature = signed_fixtures["text-stop.json"]
    host, port = server.address
    with socket.create_connection((host, port), timeout=10) as sock:
        head = (
            f"POST /webhook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n"
            f"X-Hub-Signature-256: {signature}\r\n\r\n"
        ).encode()
        sock.sendall(head)
        assert sock.recv(4096).startswith(b"HTTP/1.1 100")
        sock.sendall(body)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
