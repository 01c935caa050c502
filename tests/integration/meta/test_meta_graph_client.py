"""The Graph API client against a real local HTTP server that checks the request format."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from desktop_app.providers.base import ConnectionState
from desktop_app.providers.meta_cloud.graph_client import GraphClient
from tests.integration.meta.fake_graph import ACCESS_TOKEN, API_VERSION, PHONE_NUMBER_ID, FakeGraph


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake_graph: FakeGraph, sleeps: list[float]) -> Iterator[GraphClient]:
    with GraphClient(
        access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        base_url=fake_graph.base_url,
        api_version=API_VERSION,
        sleep=sleeps.append,
    ) as graph:
        yield graph


def test_send_text_matches_documented_request(client: GraphClient, fake_graph: FakeGraph) -> None:
    text = "You're unsubscribed from offers from Corner Shop. Reply START to opt back in."
    result = client.send_text("+15550101234", text)
    assert result.ok
    assert result.provider_message_id == fake_graph.fixture("send-success-text.json")["messages"][0]["id"]
    [request] = fake_graph.messages
    assert request.problems == []
    assert request.body == fake_graph.fixture("request-send-text.json")


def test_send_text_to_bare_digits_adds_plus(client: GraphClient, fake_graph: FakeGraph) -> None:
    assert client.send_text("15550101234", "hello").ok
    assert fake_graph.messages[0].body["to"] == "+15550101234"


def test_send_to_username_only_user_uses_recipient(client: GraphClient, fake_graph: FakeGraph) -> None:
    assert client.send_text("US.13491208655302741918", "hello").ok
    body = fake_graph.messages[0].body
    assert body["recipient"] == "US.13491208655302741918" and "to" not in body


def test_send_template_matches_documented_request(client: GraphClient, fake_graph: FakeGraph) -> None:
    expected = fake_graph.fixture("request-send-template.json")
    template = expected["template"]
    result = client.send_template("+15550105678", template["name"], "en_US", template["components"])
    assert result.ok
    assert result.provider_message_id == fake_graph.fixture("send-success-template.json")["messages"][0]["id"]
    assert fake_graph.messages[0].body == expected


def test_mark_read(client: GraphClient, fake_graph: FakeGraph) -> None:
    expected = fake_graph.fixture("request-mark-read.json")
    result = client.mark_read(expected["message_id"])
    assert result.ok and result.provider_message_id is None
    assert fake_graph.messages[0].body == expected


def test_rate_limit_is_retried_with_backoff(client: GraphClient, fake_graph: FakeGraph, sleeps: list) -> None:
    fake_graph.answer(400, "error-130429-rate-limit.json")
    fake_graph.answer(503, "error-130429-rate-limit.json")
    fake_graph.answer(429, "error-130429-rate-limit.json", {"Retry-After": "7"})
    result = client.send_text("+15550101234", "hi")
    assert result.ok
    assert len(fake_graph.messages) == 4
    assert sleeps == [1.0, 2.0, 7.0]


def test_rate_limit_gives_up_after_max_attempts(
    client: GraphClient, fake_graph: FakeGraph, sleeps: list
) -> None:
    for _ in range(4):
        fake_graph.answer(400, "error-130429-rate-limit.json")
    result = client.send_text("+15550101234", "hi")
    assert not result.ok and result.retryable and result.error_code == 130429
    assert len(fake_graph.messages) == 4 and len(sleeps) == 3


@pytest.mark.parametrize(
    ("status", "fixture", "code", "flag"),
    [
        (401, "error-190-expired-token.json", 190, "needs_reconnect"),
        (400, "error-131047-reengagement.json", 131047, "outside_window"),
        (400, "error-131050.json", 131050, "recipient_opted_out"),
        (400, "error-100-invalid-parameter.json", 100, None),
    ],
)
def test_client_errors_are_reported_not_retried(
    client: GraphClient, fake_graph: FakeGraph, sleeps: list, status: int, fixture: str, code: int, flag: str
) -> None:
    fake_graph.answer(status, fixture)
    result = client.send_text("+15550101234", "hi")
    assert not result.ok and not result.retryable
    assert result.error_code == code
    for name in ("needs_reconnect", "outside_window", "recipient_opted_out"):
        assert getattr(result, name) is (name == flag), name
    assert len(fake_graph.messages) == 1 and sleeps == []
    if flag == "needs_reconnect":
        assert "reconnect" in (result.error_message or "").lower()


def test_token_never_reaches_error_text(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.answer(401, "error-190-expired-token.json")
    result = client.send_text("+15550101234", "hi")
    assert ACCESS_TOKEN not in repr(result)


def test_unreachable_server_is_retried_then_reported(sleeps: list) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with GraphClient(
        access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        base_url=f"http://127.0.0.1:{port}",
        max_attempts=3,
        sleep=sleeps.append,
    ) as graph:
        result = graph.send_text("+15550101234", "hi")
    assert not result.ok and result.retryable
    assert sleeps == [1.0, 2.0]


def test_connection_check(client: GraphClient, fake_graph: FakeGraph) -> None:
    check = client.test_connection()
    assert check.ok and check.state is ConnectionState.CONNECTED
    assert "Corner Shop" in check.message
    fake_graph.answer(401, "error-190-expired-token.json")
    expired = client.test_connection()
    assert not expired.ok and expired.state is ConnectionState.TOKEN_EXPIRED


def test_connection_check_without_credentials() -> None:
    with GraphClient(access_token="", phone_number_id="") as graph:
        check = graph.test_connection()
    assert check.state is ConnectionState.NOT_CONFIGURED
