"""The receipt bound holds for every kind and provider: Twilio messages, 21610 refusals, number changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.event_time import UNREADABLE_TIME
from desktop_app.domain.model import ALL, MARKETING, InboundMessage
from desktop_app.providers.twilio.parsing import parse_message, unsubscribed_status
from tests.integration.meta.signed_webhook import RECEIVED, Clock, envelope, epoch, preference, running_desk

OLD = "+15550103456"
NEW = "+15550107777"
CUSTOMER = "+5511987650001"


def _twilio(**overrides: object) -> dict[str, object]:
    message: dict[str, object] = {
        "body": "STOP",
        "date_sent": "Tue, 01 Jun 2100 08:59:00 +0000",
        "direction": "inbound",
        "from": f"whatsapp:{CUSTOMER}",
        "sid": "SM" + "c" * 32,
        "to": "whatsapp:+15550100100",
    }
    message.update(overrides)
    return message


def test_twilio_dates_in_other_spellings_are_read_and_unreadable_ones_kept() -> None:
    iso = parse_message(_twilio(date_sent="2026-06-01T08:59:00Z"))
    assert isinstance(iso, InboundMessage) and iso.occurred_at == datetime(2026, 6, 1, 8, 59, tzinfo=UTC)
    unreadable = parse_message(_twilio(date_sent="yesterday", date_created=None))
    # main: "inbound Twilio message without sid, from or date" -- the STOP was never applied
    assert isinstance(unreadable, InboundMessage) and unreadable.occurred_at == UNREADABLE_TIME


@pytest.mark.expect_log(level="WARNING", match=r"event time: its")
def test_twilio_messages_and_refusals_are_bounded_by_their_receipt(tmp_path: Path) -> None:
    clock = Clock()
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        future_opt_in = parse_message(_twilio(body="START", sid="SM" + "a" * 32))
        backfilled_stop = parse_message(
            _twilio(date_sent="Mon, 01 Jun 2026 08:00:00 +0000", sid="SM" + "b" * 32)
        )
        desk.pipeline.ingest([future_opt_in])
        assert desk.book.consent_state(CUSTOMER)[ALL].since == RECEIVED
        clock.advance(minutes=1)
        desk.pipeline.ingest([backfilled_stop])  # a backfill keeps its own, earlier time: the opt-in stands
        assert desk.book.consent_state(CUSTOMER)[ALL].state == "opted_in"
        [stop] = [e for e in desk.book.history(CUSTOMER) if e.evidence_message_id == "SM" + "b" * 32]
        assert stop.occurred_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        refusal = unsubscribed_status(f"whatsapp:{CUSTOMER}", datetime(2100, 1, 1, tzinfo=UTC))
        clock.advance(minutes=1)
        desk.pipeline.ingest([refusal])
        state = desk.book.consent_state(CUSTOMER)[ALL]
        assert (state.state, state.since) == ("opted_out", clock.now)
        [stored] = desk.rows("SELECT raw FROM messages WHERE provider_message_id = ?", "SM" + "a" * 32)
        assert "2100" in json.loads(stored[0])["date_sent"]  # the claim stays in the raw payload


@pytest.mark.expect_log(level="WARNING", match=r"event time: its")
def test_a_number_change_dated_in_the_future_carries_the_opt_out_at_its_receipt(tmp_path: Path) -> None:
    clock = Clock()
    with running_desk(tmp_path / "book.sqlite3", clock) as desk:
        assert desk.post(preference(OLD[1:], "stop", int(epoch(RECEIVED - timedelta(minutes=5))))) == 200
        system = {
            "body": f"User changed from {OLD[1:]} to {NEW[1:]}",
            "wa_id": NEW[1:],
            "type": "user_changed_number",
        }
        message = {
            "from": OLD[1:],
            "id": "wamid.changed",
            "timestamp": "4102444800",
            "type": "system",
            "system": system,
        }
        clock.advance(minutes=2)
        assert desk.post(envelope("messages", {"messages": [message]})) == 200
        [carried] = desk.book.history(NEW)
        assert carried.occurred_at == clock.now
        assert "carried over from" in (carried.note or "") and "2100-01-01" in (carried.note or "")
        assert not desk.book.may_send(NEW, MARKETING).allowed
