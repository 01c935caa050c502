"""Opt-out confirmations held for the undo window: an undo is honest only until the confirmation leaves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.domain.model import ConsentEventRecord

UNDO_WINDOW_SECONDS = 10.0

Cancel = Callable[[], None]
# schedule(seconds, callback) -> cancel; the default is a daemon threading.Timer
Scheduler = Callable[[float, Callable[[], None]], Cancel]
Release = Callable[[ConsentEventRecord, str | None], None]


def timer_scheduler(seconds: float, callback: Callable[[], None]) -> Cancel:
    timer = threading.Timer(seconds, callback)
    timer.daemon = True
    timer.name = "confirmation-hold"
    timer.start()
    return timer.cancel


@dataclass
class _Held:
    record: ConsentEventRecord
    language: str | None
    cancel: Cancel


class ConfirmationHold:
    """Keeps each owner-confirmed opt-out's confirmation for `window` seconds before releasing it.

    `take_back(event_id)` is True while it is still held (then it never leaves); after the release
    the customer has read "you won't receive any more messages" and only they can opt back in.
    If the app stops while one is held, nothing is lost: the next start sends confirmations that
    never left (IngestPipeline.resend_missing_confirmations).
    """

    def __init__(
        self,
        release: Release,
        *,
        window: float = UNDO_WINDOW_SECONDS,
        schedule: Scheduler = timer_scheduler,
    ) -> None:
        self._release = release
        self._window = window
        self._schedule = schedule
        self._held: dict[int, _Held] = {}
        self._released: set[int] = set()
        self._lock = threading.Lock()

    def hold(self, record: ConsentEventRecord, language: str | None) -> None:
        event_id = record.id
        with self._lock:
            self._held[event_id] = _Held(record, language, lambda: None)
        cancel = self._schedule(self._window, lambda: self._let_go(event_id))
        with self._lock:
            held = self._held.get(event_id)
            if held is not None:
                held.cancel = cancel

    def is_held(self, event_id: int) -> bool:
        with self._lock:
            return event_id in self._held

    def was_released(self, event_id: int) -> bool:
        """Its confirmation has been handed to the sender (it may be on its way right now)."""
        with self._lock:
            return event_id in self._released

    def take_back(self, event_id: int) -> bool:
        """Cancel a held confirmation; False when it has already been released."""
        with self._lock:
            held = self._held.pop(event_id, None)
        if held is None:
            return False
        held.cancel()
        return True

    def release_all(self) -> None:
        """The owner moved on (another decision, the window closing): send every held confirmation now."""
        with self._lock:
            due = list(self._held)
        for event_id in due:
            self._let_go(event_id)

    def _let_go(self, event_id: int) -> None:
        with self._lock:
            held = self._held.pop(event_id, None)
            if held is not None:
                self._released.add(event_id)
        if held is None:
            return
        held.cancel()
        self._release(held.record, held.language)
