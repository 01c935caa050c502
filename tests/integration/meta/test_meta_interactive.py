"""GraphClient.send_interactive against the local fake Graph API: Cloud shapes and the 131056 pair rate."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.journeys import ListRow, OutgoingMessage, ReplyButton
from desktop_app.providers.base import InteractiveSender
from desktop_app.providers.meta_cloud.graph_client import PAIR_RATE_MIN_WAIT, GraphClient
from tests.integration.meta.fake_graph import ACCESS_TOKEN, API_VERSION, PHONE_NUMBER_ID, FakeGraph

PAIR_RATE_ERROR = {
    "error": {
        "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "type": "OAuthException",
        "code": 131056,
        "error_data": {"messaging_product": "whatsapp", "details": "Too many messages to this user"},
    }
}


@pytest.fixture
def graph(fake_graph: FakeGraph, tmp_path: Path) -> Iterator[FakeGraph]:
    responses = tmp_path / "responses"
    shutil.copytree(fake_graph.responses_dir, responses)
    (responses / "error-131056.json").write_text(json.dumps(PAIR_RATE_ERROR), encoding="utf-8")
    fake = FakeGraph(responses).start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(graph: FakeGraph, sleeps: list[float]) -> Iterator[GraphClient]:
    with GraphClient(
        access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        base_url=graph.base_url,
        api_version=API_VERSION,
        sleep=sleeps.append,
    ) as sender:
        yield sender


BUTTONS = OutgoingMessage(
    body="Stop all messages or only offers?",
    buttons=(
        ReplyButton("cd:scope:all", "Stop everything"),
        ReplyButton("cd:scope:marketing", "Only stop offers"),
    ),
)
LIST = OutgoingMessage(
    body="Choose what you get from Café Ñandú",
    rows=(ListRow("cd:toggle:marketing", "Offers and news", "Now: on"),),
    list_button="Choose",
    footer="Reply STOP to stop all",
)


def test_graph_client_is_an_interactive_sender(client: GraphClient) -> None:
    assert isinstance(client, InteractiveSender)


def test_button_message_arrives_in_cloud_shape(client: GraphClient, graph: FakeGraph) -> None:
    result = client.send_interactive("+15550101234", BUTTONS)
    assert result.ok
    [request] = graph.messages
    assert request.problems == []
    assert request.body["type"] == "interactive"
    assert request.body["to"] == "+15550101234"
    assert request.body["interactive"] == BUTTONS.cloud_interactive()
    assert request.body["interactive"]["type"] == "button"


def test_list_message_arrives_in_cloud_shape(client: GraphClient, graph: FakeGraph) -> None:
    assert client.send_interactive("+15550101234", LIST).ok
    [request] = graph.messages
    assert request.problems == []
    assert request.body["interactive"]["type"] == "list"
    assert request.body["interactive"] == LIST.cloud_interactive()


def test_text_only_message_goes_as_text(client: GraphClient, graph: FakeGraph) -> None:
    assert client.send_interactive("+15550101234", OutgoingMessage(body="Thanks, done.")).ok
    [request] = graph.messages
    assert request.body["type"] == "text"
    assert request.body["text"]["body"] == "Thanks, done."


def test_pair_rate_limit_waits_then_sends_once(
    client: GraphClient, graph: FakeGraph, sleeps: list[float]
) -> None:
    graph.answer(400, "error-131056.json")
    graph.answer(400, "error-131056.json")
    result = client.send_interactive("+15550101234", BUTTONS)
    assert result.ok
    assert len(sleeps) == 2
    assert all(wait >= PAIR_RATE_MIN_WAIT for wait in sleeps)
    assert len(graph.messages) == 3


def test_persistent_pair_rate_limit_is_a_clear_failure(
    client: GraphClient, graph: FakeGraph, sleeps: list[float]
) -> None:
    for _ in range(4):
        graph.answer(400, "error-131056.json")
    result = client.send_interactive("+15550101234", BUTTONS)
    assert not result.ok
    assert result.error_code == 131056
    assert result.error_message == "Too many messages to this user"
    assert len(sleeps) == 3
