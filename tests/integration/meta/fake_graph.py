"""A small fake Graph API on 127.0.0.1: checks request format, answers with the shared fixtures."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.local_http import LocalHttpServer

API_VERSION = "v24.0"
PHONE_NUMBER_ID = "110022003300441"
ACCESS_TOKEN = "EAAtest-token-not-real"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    problems: list[str]


class FakeGraph:
    """Queue answers with `answer(status, fixture_name)`; otherwise success fixtures are returned."""

    def __init__(self, responses_dir: Path) -> None:
        self.responses_dir = responses_dir
        self.requests: list[Recorded] = []
        self._queued: deque[tuple[int, str, dict[str, str]]] = deque()
        self._lock = threading.Lock()
        self._http = LocalHttpServer(self._handler_class(), "fake-graph")

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def start(self) -> FakeGraph:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def answer(self, status: int, fixture: str, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self._queued.append((status, fixture, headers or {}))

    def fixture(self, name: str) -> dict[str, Any]:
        return json.loads((self.responses_dir / name).read_text(encoding="utf-8"))

    @property
    def messages(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def _next(self, body: Any, problems: list[str]) -> tuple[int, str, dict[str, str]]:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        if problems:
            return 400, "error-100-invalid-parameter.json", {}
        if isinstance(body, dict) and body.get("status") == "read":
            return 200, "mark-read-success.json", {}
        if isinstance(body, dict) and body.get("type") == "template":
            return 200, "send-success-template.json", {}
        return 200, "send-success-text.json", {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                problems = _check_auth(self.headers.get("Authorization"))
                if url.path != f"/{API_VERSION}/{PHONE_NUMBER_ID}":
                    problems.append(f"unexpected path {url.path}")
                fake.requests.append(
                    Recorded("GET", url.path, parse_qs(url.query), dict(self.headers), None, problems)
                )
                with fake._lock:
                    queued = fake._queued.popleft() if fake._queued else None
                if queued is not None:
                    self._send(queued[0], (fake.responses_dir / queued[1]).read_bytes(), queued[2])
                elif problems:
                    self._send(401, (fake.responses_dir / "error-190-expired-token.json").read_bytes(), {})
                else:
                    info = {"display_phone_number": "+1 555-010-0100", "verified_name": "Corner Shop"}
                    self._send(200, json.dumps(info).encode(), {})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                problems = _check_auth(self.headers.get("Authorization"))
                if url.path != f"/{API_VERSION}/{PHONE_NUMBER_ID}/messages":
                    problems.append(f"unexpected path {url.path}")
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    problems.append("Content-Type is not application/json")
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                    problems.append("body is not JSON")
                problems.extend(_check_message(body))
                fake.requests.append(Recorded("POST", url.path, {}, dict(self.headers), body, problems))
                status, name, headers = fake._next(body, problems)
                self._send(status, (fake.responses_dir / name).read_bytes(), headers)

            def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _check_auth(header: str | None) -> list[str]:
    return [] if header == f"Bearer {ACCESS_TOKEN}" else [f"bad Authorization header {header!r}"]


def _check_message(body: Any) -> list[str]:
    """The request shapes of request-send-text.json, request-send-template.json, request-mark-read.json."""
    if not isinstance(body, dict):
        return ["body is not an object"]
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be 'whatsapp'")
    if body.get("status") == "read":
        if not str(body.get("message_id", "")).startswith("wamid."):
            problems.append("mark-read needs a wamid message_id")
        return problems
    to = body.get("to")
    if not (isinstance(to, str) and to.startswith("+") and to[1:].isdigit()) and not body.get("recipient"):
        problems.append(f"'to' must be +<country code><number>, got {to!r}")
    if body.get("recipient_type") != "individual":
        problems.append("recipient_type must be 'individual'")
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
            problems.append("text.body missing")
        elif "preview_url" not in text:
            problems.append("text.preview_url missing")
    elif kind == "template":
        template = body.get("template")
        if not isinstance(template, dict) or not template.get("name"):
            problems.append("template.name missing")
        elif not isinstance(template.get("language"), dict) or not template["language"].get("code"):
            problems.append("template.language.code missing")
    elif kind == "interactive":
        interactive = body.get("interactive")
        if not isinstance(interactive, dict) or interactive.get("type") not in ("button", "list"):
            problems.append("interactive.type must be 'button' or 'list'")
        elif not isinstance(interactive.get("body"), dict) or not interactive["body"].get("text"):
            problems.append("interactive.body.text missing")
    else:
        problems.append(f"unexpected type {kind!r}")
    return problems
