"""Polling for a condition set by another thread or process, with a deadline (tests only)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.01) -> bool:
    """True as soon as `condition()` is truthy; after `timeout` seconds, its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
