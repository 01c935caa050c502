"""Fixtures for the Meta integration tests: the fake Graph API and signed fixture bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.meta.fake_graph import API_VERSION, FakeGraph

APP_SECRET = "test_app_secret_not_real_0000"


@pytest.fixture
def fake_graph(meta_fixtures: Path) -> Iterator[FakeGraph]:
    graph = FakeGraph(meta_fixtures / "graph-api-responses").start()
    try:
        yield graph
    finally:
        graph.stop()


@pytest.fixture
def graph_env(fake_graph: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> FakeGraph:
    """Point the settings' Graph base URL and version at the fake (the documented env overrides)."""
    monkeypatch.setenv("CONSENT_DESK_META_GRAPH_URL", fake_graph.base_url)
    monkeypatch.setenv("CONSENT_DESK_META_API_VERSION", API_VERSION)
    return fake_graph


@pytest.fixture
def signed_fixtures(meta_fixtures: Path) -> dict[str, tuple[bytes, str]]:
    """File name -> (exact bytes, X-Hub-Signature-256 from signatures.json)."""
    table = json.loads((meta_fixtures / "signatures.json").read_text(encoding="utf-8"))["signatures"]
    return {name: ((meta_fixtures / name).read_bytes(), sig) for name, sig in table.items()}
