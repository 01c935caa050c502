"""Issue 16's done-when through `consent-desk serve`, the local fake Graph API and a fresh data folder:
the first-contact note once, a STOP's one confirmation as the two scope buttons, the scope tap,
PREFERENCES and its toggle; `consent-desk status` reads the result."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from tests.integration.meta.fake_graph import FakeGraph
from tests.integration.meta.pipeline_helpers import signed
from tests.integration.meta.test_meta_serve import ServeProcess, _env, _start
from tests.waiting import wait_for

NEW_ANA, NEW_BEN = "15550141001", "15550141002"
_ids = count(1)


def _webhook(wa_id: str, message: dict[str, Any]) -> tuple[bytes, str]:
    """A Cloud API messages webhook from one customer, sent just now (the reply window is open)."""
    message = {
        "from": wa_id,
        "id": f"wamid.journey{next(_ids)}",
        "timestamp": str(int(time.time())),
        **message,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100100", "phone_number_id": "110022003300441"},
        "contacts": [{"profile": {"name": "New customer"}, "wa_id": wa_id}],
        "messages": [message],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }
    return signed(json.dumps(body).encode("utf-8"))


def _text(wa_id: str, text: str) -> tuple[bytes, str]:
    return _webhook(wa_id, {"type": "text", "text": {"body": text}})


def _tap(wa_id: str, reply_type: str, reply_id: str, title: str) -> tuple[bytes, str]:
    reply = {"id": reply_id, "title": title}
    return _webhook(wa_id, {"type": "interactive", "interactive": {"type": reply_type, reply_type: reply}})


def _to(graph: FakeGraph, wa_id: str) -> list[dict[str, Any]]:
    return [m.body for m in graph.messages if m.body.get("to", "").lstrip("+") == wa_id]


def _status(data_dir: Path, phone: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data_dir), "status", phone, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def served_auto(isolated_data_dir: Path, fake_graph: FakeGraph) -> Iterator[ServeProcess]:
    # --auto (this run only) so that the STOP is applied and confirmed without the owner's click
    process = _start(_env(isolated_data_dir, fake_graph), "--auto")
    try:
        yield process
    finally:
        if process.process.poll() is None:
            process.stop()


def test_the_three_journeys_through_serve(
    served_auto: ServeProcess, fake_graph: FakeGraph, isolated_data_dir: Path
) -> None:
    served = served_auto
    assert served.post(*_text(NEW_ANA, "Hi! Are you open on Sunday?")) == 200
    assert wait_for(lambda: len(_to(fake_graph, NEW_ANA)) == 1, timeout=20.0, interval=0.05)
    [note] = _to(fake_graph, NEW_ANA)
    assert note["type"] == "text" and "STOP" in note["text"]["body"] and "PREFERENCES" in note["text"]["body"]
    assert served.post(*_text(NEW_ANA, "And do you have croissants?")) == 200

    assert served.post(*_text(NEW_BEN, "STOP")) == 200
    assert wait_for(lambda: len(_to(fake_graph, NEW_BEN)) == 1, timeout=20.0, interval=0.05)
    [question] = _to(fake_graph, NEW_BEN)
    assert question["type"] == "interactive" and question["interactive"]["type"] == "button"
    buttons = question["interactive"]["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == ["cd:scope:all", "cd:scope:marketing"]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)

    assert served.post(*_tap(NEW_BEN, "button_reply", "cd:scope:marketing", "Only stop offers")) == 200
    assert wait_for(lambda: len(_to(fake_graph, NEW_BEN)) == 2, timeout=20.0, interval=0.05)

    assert served.post(*_text(NEW_ANA, "PREFERENCES")) == 200
    assert wait_for(lambda: len(_to(fake_graph, NEW_ANA)) == 2, timeout=20.0, interval=0.05)
    menu = _to(fake_graph, NEW_ANA)[1]  # and no second note for Ana's second message
    assert menu["type"] == "interactive" and menu["interactive"]["type"] == "list"
    rows = [r["id"] for s in menu["interactive"]["action"]["sections"] for r in s["rows"]]
    assert "cd:toggle:marketing" in rows

    assert served.post(*_tap(NEW_ANA, "list_reply", "cd:toggle:marketing", "Offers and news")) == 200
    assert wait_for(lambda: len(_to(fake_graph, NEW_ANA)) == 3, timeout=20.0, interval=0.05)
    out = served.stop()
    assert served.process.returncode == 0, out
    assert all(m.problems == [] for m in fake_graph.messages)  # every send had Meta's shape and limits

    ben = _status(isolated_data_dir, "+" + NEW_BEN)
    assert ben["may_send"]["marketing"] is False and ben["may_send"]["order_updates"] is True
    assert ben["may_send"]["all"] is True
    ana = _status(isolated_data_dir, "+" + NEW_ANA)
    assert ana["may_send"]["marketing"] is False and ana["may_send"]["order_updates"] is True
