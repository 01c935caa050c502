"""Small helpers shared by the Twilio integration tests: a cursor store, a sink, a state recorder."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from desktop_app.domain.model import InboundMessage, ProviderEvent
from desktop_app.providers.base import ConnectionState
from tests.waiting import wait_for  # noqa: F401 - the twilio tests import it from here


class MemoryCursors:
    """A CursorStore kept in a dict (the real one is the consent book)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def get_cursor(self, name: str) -> str | None:
        return self.values.get(name)

    def set_cursor(self, name: str, value: str) -> None:
        self.values[name] = value
        self.writes += 1


class ListSink:
    """Collects every batch; can be told to fail the next N calls."""

    def __init__(self) -> None:
        self.batches: list[list[ProviderEvent]] = []
        self.fail_next = 0
        self.lock = threading.Lock()

    def __call__(self, events: Sequence[ProviderEvent]) -> None:
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                raise OSError("disk full (simulated)")
            self.batches.append(list(events))

    @property
    def sids(self) -> list[str]:
        with self.lock:
            return [e.provider_message_id for b in self.batches for e in b if isinstance(e, InboundMessage)]


class StateLog:
    def __init__(self) -> None:
        self.entries: list[tuple[ConnectionState, str]] = []
        self.lock = threading.Lock()

    def __call__(self, state: ConnectionState, message: str) -> None:
        with self.lock:
            self.entries.append((state, message))

    def states(self) -> list[ConnectionState]:
        with self.lock:
            return [s for s, _ in self.entries]

    def messages(self) -> list[str]:
        with self.lock:
            return [m for _, m in self.entries]

