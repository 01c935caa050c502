"""Exposes the local webhook port through cloudflared or ngrok and reads the public URL they print."""

from __future__ import annotations

import collections
import logging
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

TOOLS = ("cloudflared", "ngrok")
INSTALL_HINT = (
    "Meta can only deliver messages to a public https address. Install a free tunnel: "
    "cloudflared (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/"
    "downloads/, no account needed) or ngrok (https://ngrok.com/download, free account). "
    "Then press Start tunnel again."
)
_URL_PATTERNS = {
    "cloudflared": re.compile(r"https://[a-z0-9-]+\.trycloudflare\.com"),
    "ngrok": re.compile(r"\burl=(https://[^\s\"]+)"),
}


class TunnelError(RuntimeError):
    """The tunnel did not start; the message says what it printed."""


@dataclass(frozen=True, slots=True)
class TunnelTool:
    name: str  # "cloudflared" | "ngrok"
    path: str


def find_tunnel_tool(search_path: str | None = None) -> TunnelTool | None:
    """The first tunnel program on PATH (cloudflared first: it needs no account)."""
    for name in TOOLS:
        found = shutil.which(name, path=search_path)
        if found:
            return TunnelTool(name, found)
    return None


def tunnel_command(tool: TunnelTool, host: str, port: int) -> list[str]:
    local = f"http://{host}:{port}"
    if tool.name == "cloudflared":
        return [tool.path, "tunnel", "--no-autoupdate", "--url", local]
    return [tool.path, "http", local, "--log", "stdout", "--log-format", "logfmt"]


def parse_public_url(tool_name: str, line: str) -> str | None:
    match = _URL_PATTERNS[tool_name].search(line)
    if match is None:
        return None
    return match.group(match.lastindex or 0)


class Tunnel:
    """One running tunnel process. `start()` blocks until the public URL is known (or fails)."""

    def __init__(self, tool: TunnelTool, port: int, host: str = "127.0.0.1") -> None:
        self.tool = tool
        self.port = port
        self.host = host
        self.public_url: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._found = threading.Event()
        self._output: collections.deque[str] = collections.deque(maxlen=40)

    def start(self, timeout: float = 30.0) -> str:
        if self._process is not None and self.public_url:
            return self.public_url
        command = tunnel_command(self.tool, self.host, self.port)
        log.info("Starting %s for port %d", self.tool.name, self.port)
        try:
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as exc:
            raise TunnelError(f"{self.tool.name} could not be started: {exc}") from exc
        self._reader = threading.Thread(
            target=self._read_output, name=f"{self.tool.name}-output", daemon=True
        )
        self._reader.start()
        if not self._found.wait(timeout) or not self.public_url:
            tail = "\n".join(self._output) or "(no output)"
            self.stop()
            raise TunnelError(f"{self.tool.name} did not report a public address. Its last output:\n{tail}")
        log.info("Tunnel up: %s", self.public_url)
        return self.public_url

    def callback_url(self, path: str = "/webhook") -> str | None:
        """The full URL to paste into Meta's dashboard (Callback URL)."""
        return f"{self.public_url}{path}" if self.public_url else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        self.public_url = None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
            self._reader = None
        if process.stdout is not None:
            process.stdout.close()
        log.info("Tunnel stopped")

    def __enter__(self) -> Tunnel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _read_output(self) -> None:
        process = self._process
        if process is None or process.stdout is None:
            return
        stream = process.stdout
        try:
            for line in stream:
                self._output.append(line.rstrip())
                if self.public_url is None:
                    url = parse_public_url(self.tool.name, line)
                    if url:
                        self.public_url = url
                        self._found.set()
        except (OSError, ValueError):
            pass  # the stream was closed by stop()
        finally:
            self._found.set()  # process ended: wake start() so it can report the output
