"""A tunnel that stays up: ngrok's agent SDK in-process (nothing to install) or cloudflared; restarts.

`TunnelKeeper` owns one backend, watches it, and reports its state (up, reconnecting, down, since
when) to `on_status`; `on_url` hears every new public URL (the webhook is registered again when it
changes; with ngrok's free static domain it never does).
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from desktop_app.services.tunnel import Tunnel as ProcessTunnel
from desktop_app.services.tunnel import TunnelError, TunnelTool, find_tunnel_tool

log = logging.getLogger(__name__)

AUTHTOKEN_SECRET = "ngrok.authtoken"
AUTHTOKEN_ENV = "CONSENT_DESK_NGROK_AUTHTOKEN"
NGROK_HINT = (
    "The built-in tunnel needs a free ngrok account: copy the authtoken from "
    "dashboard.ngrok.com → Your Authtoken, and claim the free static domain under "
    "Universal Gateway → Domains so the address stays the same."
)


CHECK_SECONDS = 5.0  # how often a running tunnel is looked at
FIRST_BACKOFF_SECONDS = 1.0


class TunnelState(StrEnum):
    UP = "up"
    RECONNECTING = "reconnecting"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class TunnelStatus:
    state: TunnelState
    since: datetime
    url: str | None = None
    detail: str = ""

    def describe(self) -> str:
        """'Tunnel up since 09:12 UTC: https://…' — for the status bar and serve's log."""
        stamp = self.since.astimezone(UTC).strftime("%H:%M UTC")
        words = {
            TunnelState.UP: f"Tunnel up since {stamp}",
            TunnelState.RECONNECTING: f"Tunnel reconnecting since {stamp}",
            TunnelState.DOWN: f"Tunnel down since {stamp}",
        }[self.state]
        tail = self.url if self.state is TunnelState.UP and self.url else self.detail
        return f"{words}: {tail}" if tail else words


class TunnelBackend(Protocol):
    """One way of exposing the local port; `open` blocks until the public URL is known."""

    name: str

    def open(self, port: int) -> str: ...

    def alive(self) -> bool: ...

    def close(self) -> None: ...


class NgrokBackend:
    """ngrok's agent SDK (the `ngrok` PyPI package) in this process: no program to install."""

    name = "ngrok"

    def __init__(self, authtoken: str, domain: str = "") -> None:
        self._authtoken = authtoken
        self._domain = domain.strip().removeprefix("https://").rstrip("/")
        self._listener: Any = None
        self._dropped = threading.Event()

    def open(self, port: int) -> str:
        import ngrok  # the native SDK loads only when a tunnel is wanted

        options: dict[str, Any] = {"authtoken": self._authtoken}
        if self._domain:
            options["domain"] = self._domain
        self._dropped.clear()
        try:
            self._listener = ngrok.forward(f"127.0.0.1:{port}", **options)
        except Exception as exc:  # its text can hold the request; say only what kind of failure
            raise TunnelError(_ngrok_failure(exc)) from None
        return str(self._listener.url())

    def alive(self) -> bool:
        return self._listener is not None and not self._dropped.is_set()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        try:
            import ngrok

            ngrok.disconnect(listener.url())
        except Exception as exc:
            log.info("Closing the ngrok tunnel: %s", type(exc).__name__)


def _ngrok_failure(exc: Exception) -> str:
    text = str(exc)
    if "ERR_NGROK_105" in text or "authtoken" in text.lower():
        return "ngrok refused the authtoken: copy it again from dashboard.ngrok.com → Your Authtoken."
    if "ERR_NGROK_320" in text or "domain" in text.lower():
        return "ngrok refused the domain: use the static domain shown under Universal Gateway → Domains."
    return f"ngrok could not open the tunnel ({type(exc).__name__}); check the internet connection."


class CloudflaredBackend:
    """The cloudflared (or ngrok) program on PATH, as before: the alternative to the built-in one."""

    def __init__(self, tool: TunnelTool) -> None:
        self.name = tool.name
        self._tool = tool
        self._tunnel: ProcessTunnel | None = None

    def open(self, port: int) -> str:
        self._tunnel = ProcessTunnel(self._tool, port)
        return self._tunnel.start()

    def alive(self) -> bool:
        return self._tunnel is not None and self._tunnel.running

    def close(self) -> None:
        tunnel, self._tunnel = self._tunnel, None
        if tunnel is not None:
            tunnel.stop()


def ngrok_available() -> bool:
    return importlib.util.find_spec("ngrok") is not None


def choose_backend(authtoken: str | None, domain: str = "") -> TunnelBackend:
    """ngrok in-process with an authtoken; else a tunnel program on PATH; else TunnelError saying how."""
    if authtoken and ngrok_available():
        return NgrokBackend(authtoken, domain)
    tool = find_tunnel_tool()
    if tool is not None:
        return CloudflaredBackend(tool)
    raise TunnelError(NGROK_HINT)


class TunnelKeeper:
    """Opens the tunnel, checks it every `check_seconds`, reopens it after a drop (with back-off)."""

    def __init__(
        self,
        backend: TunnelBackend,
        port: int,
        *,
        on_status: Callable[[TunnelStatus], None] | None = None,
        on_url: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        check_seconds: float | None = None,
        first_backoff_seconds: float | None = None,
        max_backoff_seconds: float = 60.0,
    ) -> None:
        self.backend = backend
        self.port = port
        self._on_status = on_status
        self._on_url = on_url
        self._clock = clock
        self._check = CHECK_SECONDS if check_seconds is None else check_seconds
        self._first_backoff = (
            FIRST_BACKOFF_SECONDS if first_backoff_seconds is None else first_backoff_seconds
        )
        self._max_backoff = max_backoff_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        self.status = TunnelStatus(TunnelState.DOWN, clock(), detail="not started")

    def start(self) -> str:
        """Open the tunnel now (raises TunnelError), then keep it up on a thread."""
        self._open()
        self._thread = threading.Thread(target=self._watch, name="tunnel-keeper", daemon=True)
        self._thread.start()
        assert self.url is not None
        return self.url

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None
        self.backend.close()
        self._set(TunnelState.DOWN, detail="stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stop.is_set()

    def _open(self) -> None:
        url = self.backend.open(self.port)
        changed = url != self.url
        self.url = url
        self._set(TunnelState.UP, url=url)
        if changed and self._on_url is not None:
            self._on_url(url)

    def _watch(self) -> None:
        backoff = self._first_backoff
        while not self._stop.wait(self._check if self.status.state is TunnelState.UP else backoff):
            if self.backend.alive():
                backoff = self._first_backoff
                continue
            if self.status.state is TunnelState.UP:
                log.warning("The %s tunnel dropped; reconnecting", self.backend.name)
                self._set(TunnelState.RECONNECTING, detail="the connection dropped")
            self.backend.close()
            try:
                self._open()
            except TunnelError as exc:
                backoff = min(backoff * 2, self._max_backoff)
                self._set(TunnelState.RECONNECTING, detail=str(exc), keep_since=True)
                continue
            log.info("The %s tunnel is back: %s", self.backend.name, self.url)

    def _set(
        self, state: TunnelState, *, url: str | None = None, detail: str = "", keep_since: bool = False
    ) -> None:
        since = self.status.since if keep_since and self.status.state is state else self._clock()
        self.status = TunnelStatus(state, since, url, detail)
        if self._on_status is not None:
            self._on_status(self.status)
