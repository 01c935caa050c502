"""Replies leave from the number each customer wrote to: `serve` with only the three secrets set."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.providers.meta_cloud.reply_numbers import ReplyNumbers
from tests.fakes.graph_api import ACCESS_TOKEN, API_VERSION, NUMBERS, FakeGraphApi
from tests.integration.meta.conftest import APP_SECRET
from tests.integration.meta.pipeline_helpers import fresh_body, signed
from tests.integration.meta.test_meta_serve import VERIFY_TOKEN, _start
from tests.waiting import wait_for

FIRST, SECOND = list(NUMBERS)


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


def _addressed_to(meta_fixtures: Path, number: str, wamid: str, sender: str) -> tuple[bytes, str]:
    body = json.loads(fresh_body(meta_fixtures, "button-stop-promotions.json", id=wamid, **{"from": sender}))
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = number
    value["contacts"][0]["wa_id"] = sender
    return signed(json.dumps(body).encode())


def test_serve_confirms_from_the_number_each_customer_wrote_to(
    isolated_data_dir: Path, graph_api: FakeGraphApi, meta_fixtures: Path
) -> None:
    env = dict(os.environ)
    env.pop("CONSENT_DESK_META_PHONE_NUMBER_ID", None)
    env.update(
        CONSENT_DESK_DATA_DIR=str(isolated_data_dir),
        CONSENT_DESK_META_APP_SECRET=APP_SECRET,
        CONSENT_DESK_META_VERIFY_TOKEN=VERIFY_TOKEN,
        CONSENT_DESK_META_ACCESS_TOKEN=ACCESS_TOKEN,
        CONSENT_DESK_META_GRAPH_URL=graph_api.base_url,
        CONSENT_DESK_META_API_VERSION=API_VERSION,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    served = _start(env)
    try:
        assert served.post(*_addressed_to(meta_fixtures, SECOND, "wamid.to-second-1", "15550101234")) == 200
        assert served.post(*_addressed_to(meta_fixtures, FIRST, "wamid.to-first-1", "15550102345")) == 200
        assert wait_for(lambda: len(graph_api.sent_messages()) == 2, timeout=20.0, interval=0.05)
    finally:
        out = served.stop()
    assert served.process.returncode == 0, out
    assert "no confirmations will be sent" not in out
    assert ACCESS_TOKEN not in out and APP_SECRET not in out
    sent_from = {c.body["to"]: c.path.split("/")[2] for c in graph_api.sent_messages()}
    assert sent_from == {"+15550101234": SECOND, "+15550102345": FIRST}
    assert graph_api.problems() == []


def _message(sender: str, number: str | None) -> InboundMessage:
    from datetime import UTC, datetime

    return InboundMessage(
        provider="meta",
        provider_message_id=f"wamid.{sender}",
        sender=ContactRef(sender),
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        business_number=number,
    )


@pytest.mark.expect_log("desktop_app.providers.meta_cloud.reply_numbers", "WARNING")
def test_configured_id_is_a_fallback_and_a_mismatch_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    numbers = ReplyNumbers(FIRST)
    assert numbers.number_for("+15550101234") == FIRST
    numbers.learn([_message("15550101234", SECOND), _message("15550109999", SECOND)])
    assert numbers.number_for("+15550101234") == SECOND
    assert numbers.number_for("+15550100000") == FIRST  # a customer never seen: the configured id
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and SECOND in warnings[0].getMessage()


def test_without_a_configured_id_the_last_number_seen_is_the_fallback() -> None:
    numbers = ReplyNumbers("")
    assert numbers.number_for("+15550101234") is None
    numbers.seen(FIRST)  # what the book remembered from the last run
    assert numbers.number_for("+15550101234") == FIRST
    numbers.learn([_message("15550102345", SECOND)])
    assert numbers.number_for("+15550100000") == SECOND
