"""What every headless `serve` loop shares: a one-line log per batch and clean Ctrl+C / SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from desktop_app.domain.model import IngestResult

log = logging.getLogger(__name__)


def log_result(result: IngestResult) -> None:
    """Counts only: message bodies never reach the log at INFO."""
    if result.stored_messages or result.applied_event_ids or result.detections or result.unparsed:
        log.info(
            "Stored %d messages (%d duplicates), %d consent events, %d for review, %d unparsed",
            result.stored_messages,
            result.duplicates,
            len(result.applied_event_ids),
            len(result.detections),
            result.unparsed,
        )


def install_stop_handlers(stop: threading.Event) -> dict[int, object]:
    """SIGINT/SIGTERM set `stop` (main thread only); returns the previous handlers to restore."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM"):
            signum = getattr(signal, name, None)
            if signum is not None:
                previous[signum] = signal.signal(signum, handler)
    return previous


def restore_handlers(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
