"""A fake tunnel backend: hands out URLs, drops and fails on cue; nothing leaves the machine."""

from __future__ import annotations

import threading

from desktop_app.services.tunnel import TunnelError


class FakeTunnel:
    """`urls` are handed out in turn (the last repeats: a static domain); `drop()` cuts the tunnel."""

    name = "fake"

    def __init__(self, *urls: str, failures: int = 0) -> None:
        self.urls = list(urls) or ["https://corner-shop.ngrok-free.app"]
        self.failures = failures  # how many of the next opens fail
        self.opened: list[int] = []
        self.closed = 0
        self._up = False
        self._lock = threading.Lock()

    def open(self, port: int) -> str:
        with self._lock:
            if self.failures:
                self.failures -= 1
                raise TunnelError("fake: no network")
            self.opened.append(port)
            self._up = True
            return self.urls[min(len(self.opened), len(self.urls)) - 1]

    def alive(self) -> bool:
        return self._up

    def close(self) -> None:
        with self._lock:
            self._up = False
            self.closed += 1

    def drop(self, then_fail: int = 0) -> None:
        with self._lock:
            self._up = False
            self.failures = then_fail
