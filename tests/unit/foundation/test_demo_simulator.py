"""The demo simulator plays its script into a sink, delivers what the shop sends, and stops promptly."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from desktop_app.domain.model import (
    InboundMessage,
    MessageKind,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
)
from desktop_app.providers.demo import BAKERY, DemoSender, DemoSimulator
from tests.waiting import wait_for


class RecordingSink:
    def __init__(self) -> None:
        self.batches: list[list[ProviderEvent]] = []
        self.lock = threading.Lock()

    def __call__(self, events: Sequence[ProviderEvent]) -> None:
        with self.lock:
            self.batches.append(list(events))

    @property
    def events(self) -> list[ProviderEvent]:
        with self.lock:
            return [event for batch in self.batches for event in batch]


def test_whole_script_is_delivered_in_order_with_unique_ids() -> None:
    sink = RecordingSink()
    simulator = DemoSimulator(sink, pace=0.001)
    simulator.start()
    try:
        assert simulator.finished.wait(10)
    finally:
        simulator.stop()
    events = sink.events
    assert len(events) == len(BAKERY.history) + len(BAKERY.live)
    ids = [e.provider_message_id for e in events if isinstance(e, InboundMessage)]
    assert len(ids) == len(set(ids))
    assert sink.batches[0] and all(isinstance(e, InboundMessage) for e in sink.batches[0])
    kinds = {type(e) for e in events}
    assert PreferenceChange in kinds
    buttons = [e for e in events if isinstance(e, InboundMessage) and e.kind is MessageKind.BUTTON]
    assert buttons and buttons[0].button_payload == "STOP_PROMOTIONS"
    history_times = [e.occurred_at for e in sink.batches[0]]
    assert history_times == sorted(history_times)


def test_two_runs_never_reuse_message_ids() -> None:
    first, second = DemoSimulator(RecordingSink()), DemoSimulator(RecordingSink())
    ids_first = {e.provider_message_id for e in first.history_events()}
    ids_second = {e.provider_message_id for e in second.history_events()}
    assert not ids_first & ids_second


def test_stop_is_prompt_even_mid_script() -> None:
    simulator = DemoSimulator(RecordingSink(), pace=100.0)
    simulator.start()
    assert simulator.running
    started = time.monotonic()
    simulator.stop()
    assert not simulator.running
    assert time.monotonic() - started < 5.0


def test_sent_messages_are_delivered_a_moment_later() -> None:
    sink = RecordingSink()
    simulator = DemoSimulator(sink, pace=0.001)
    sender = DemoSender(simulator)
    simulator.start()
    try:
        result = sender.send_text("+15550101234", "You won't receive more offers.")
        assert result.ok and result.provider_message_id
        assert wait_for(
            lambda: any(
                isinstance(e, StatusUpdate) and e.provider_message_id == result.provider_message_id
                for e in sink.events
            )
        )
    finally:
        simulator.stop()
    status = next(e for e in sink.events if isinstance(e, StatusUpdate))
    assert status.status == "delivered"


@pytest.mark.expect_log(level="ERROR", match=r"^Demo batch could not be ingested")
def test_a_failing_sink_does_not_kill_the_demo() -> None:
    calls = []

    def broken_sink(events: Sequence[ProviderEvent]) -> None:
        calls.append(len(events))
        raise RuntimeError("disk full")

    simulator = DemoSimulator(broken_sink, pace=0.001)
    simulator.start()
    try:
        assert simulator.finished.wait(10)
    finally:
        simulator.stop()
    assert len(calls) == 1 + len(BAKERY.live)


def test_a_faster_demo_delivers_sooner() -> None:
    sink = RecordingSink()
    simulator = DemoSimulator(sink, pace=0.02)
    sender = DemoSender(simulator)
    simulator.start()
    try:
        sent_at = time.monotonic()
        sender.send_text("+15550101234", "You won't receive more offers.")
        assert wait_for(lambda: any(isinstance(e, StatusUpdate) for e in sink.events))
        assert time.monotonic() - sent_at < 1.0  # 1.5 s at pace 1: a screenshot at pace 0.02 sees it
    finally:
        simulator.stop()
