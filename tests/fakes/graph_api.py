"""A fake Graph API on 127.0.0.1 for a whole shop: several numbers, webhook subscriptions, subscribed apps.

It checks the request format of every call the app makes and answers like Meta, including the GET
that Meta sends to the callback URL while `POST /{app}/subscriptions` is in flight.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.local_http import LocalHttpServer

API_VERSION = "v24.0"
ACCESS_TOKEN = "EAAshop-token-not-real"
APP_ID = "1234567890123456"
APP_SECRET = "fake_app_secret_0000000000000000"
WABA_ID = "102290129340398"
NUMBERS = {"110022003300441": "+1 555-010-0100", "220033004400552": "+1 555-010-0200"}
FIELDS_WANTED = ("messages", "user_preferences")


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any
    problems: list[str] = field(default_factory=list)


def _error(code: int, message: str, status: int = 400, kind: str = "OAuthException") -> tuple[int, Any]:
    return status, {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "Afake"}}


class FakeGraphApi:
    """Start with `start()`; `calls` records every request with the problems found in its format."""

    def __init__(self, *, app_live: bool = True, verify_timeout: float = 10.0) -> None:
        self.calls: list[Call] = []
        self.subscriptions: dict[str, dict[str, Any]] = {}  # object -> subscription
        self.subscribed_apps: list[str] = []
        self.app_live = app_live
        self.verify_timeout = verify_timeout
        self.verification_answers: list[tuple[int, str]] = []  # what the callback answered Meta's GET
        self.sent: list[dict[str, Any]] = []  # full JSON body of every accepted text/interactive send
        self._failures: list[int] = []  # error codes the next sends answer with
        self._lock = threading.Lock()
        self._http = LocalHttpServer(self._handler_class(), "fake-graph-api")

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def start(self) -> FakeGraphApi:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeGraphApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sent_messages(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/messages")]

    def problems(self) -> list[str]:
        return [f"{c.method} {c.path}: {p}" for c in self.calls for p in c.problems]

    # --- routing ------------------------------------------------------------------------------------

    def handle(self, call: Call) -> tuple[int, Any]:
        parts = call.path.strip("/").split("/")
        if not parts or parts[0] != API_VERSION:
            call.problems.append(f"expected /{API_VERSION}/…")
            return _error(100, "Unknown path components")
        node, edge = parts[1] if len(parts) > 1 else "", "/".join(parts[2:])
        if node == APP_ID and edge == "subscriptions":
            return self._app_subscriptions(call)
        if node == "me" and call.method == "GET":
            return self._with_token(call, lambda: (200, {"id": "5550001", "name": "Shop system user"}))
        if node == WABA_ID and edge == "subscribed_apps":
            return self._with_token(call, lambda: self._waba_apps(call))
        if node == WABA_ID and edge == "phone_numbers" and call.method == "GET":
            data = [
                {"id": k, "display_phone_number": v, "verified_name": "Corner Shop"}
                for k, v in NUMBERS.items()
            ]
            return self._with_token(call, lambda: (200, {"data": data}))
        if node in NUMBERS and edge == "" and call.method == "GET":
            info = {"id": node, "display_phone_number": NUMBERS[node], "verified_name": "Corner Shop"}
            return self._with_token(call, lambda: (200, info))
        if node in NUMBERS and edge == "messages" and call.method == "POST":
            return self._with_token(call, lambda: self._message(call, node))
        if node.isdigit() and not edge and call.method == "GET":
            return self._with_token(
                call,
                lambda: _error(
                    100,
                    f"Unsupported get request. Object with ID '{node}' does not exist",
                    400,
                    "GraphMethodException",
                ),
            )
        call.problems.append("no such endpoint")
        return _error(100, "Unsupported request", 400, "GraphMethodException")

    def _with_token(self, call: Call, answer: Any) -> tuple[int, Any]:
        if call.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _error(190, "Invalid OAuth access token - Cannot parse access token", 401)
        result: tuple[int, Any] = answer()
        return result

    def _message(self, call: Call, number: str) -> tuple[int, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("messaging_product") != "whatsapp":
            call.problems.append("messaging_product must be 'whatsapp'")
        to = body.get("to")
        if not (isinstance(to, str) and to.startswith("+") and to[1:].isdigit()):
            call.problems.append(f"'to' must be +<digits>, got {to!r}")
        if body.get("type") == "text" and not (body.get("text") or {}).get("body"):
            call.problems.append("text.body missing")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return _error(failure, f"(#{failure}) failing as the test asked")
        if body.get("type") == "interactive":
            invalid = interactive_problems(body.get("interactive"))
            if invalid:
                return _error(131009, "(#131009) Parameter value is not valid: " + "; ".join(invalid))
        with self._lock:
            self.sent.append(body)
        wamid = "wamid." + secrets.token_hex(8)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": str(to)[1:]}],
            "messages": [{"id": wamid}],
        }

    def fail_next_sends(self, count: int, code: int) -> None:
        """The next `count` message sends answer Graph error `code` (e.g. 131056) instead of sending."""
        with self._lock:
            self._failures.extend([code] * count)

    def _waba_apps(self, call: Call) -> tuple[int, Any]:
        if call.method == "POST":
            if APP_ID not in self.subscribed_apps:
                self.subscribed_apps.append(APP_ID)
            return 200, {"success": True}
        data = [
            {"whatsapp_business_api_data": {"id": APP_ID, "name": "Consent Desk"}}
            for _ in self.subscribed_apps
        ]
        return 200, {"data": data}

    def _app_subscriptions(self, call: Call) -> tuple[int, Any]:
        token = call.params.get("access_token", "") or call.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if "access_token" in call.params and call.method == "GET":
            call.problems.append("the app token (it holds the App Secret) must not travel in a URL")
        if "|" not in token:
            call.problems.append("an app access token APP_ID|APP_SECRET is needed")
            return _error(190, "Invalid OAuth access token - Cannot parse access token", 400)
        if token != f"{APP_ID}|{APP_SECRET}":
            return _error(190, "Invalid OAuth access token signature.", 400)
        if call.method == "GET":
            return 200, {"data": list(self.subscriptions.values())}
        if call.method != "POST":
            call.problems.append("subscriptions takes GET or POST")
            return _error(100, "Unsupported request", 400, "GraphMethodException")
        wanted = {"object", "callback_url", "verify_token", "fields"}
        missing = sorted(wanted - call.params.keys())
        if missing:
            call.problems.append(f"missing {missing}")
            return _error(100, f"(#100) The parameter {missing[0]} is required", 400)
        if call.params["object"] != "whatsapp_business_account":
            call.problems.append("object must be whatsapp_business_account")
        fields = [f.strip() for f in call.params["fields"].split(",") if f.strip()]
        if not self.app_live:
            return _error(200, "(#200) To subscribe to the messages field, the app must be in live mode", 403)
        answered = self._verify_callback(call.params["callback_url"], call.params["verify_token"])
        if answered is not None:
            return _error(
                2200, f"(#2200) Callback verification failed with the following errors: {answered}", 400
            )
        with self._lock:
            existing = self.subscriptions.get("whatsapp_business_account")
            names = {f["name"] for f in existing["fields"]} if existing else set()
            names.update(fields)
            self.subscriptions["whatsapp_business_account"] = {
                "object": "whatsapp_business_account",
                "callback_url": call.params["callback_url"],
                "active": True,
                "fields": [{"name": name, "version": API_VERSION} for name in sorted(names)],
            }
        return 200, {"success": True}

    def _verify_callback(self, callback_url: str, verify_token: str) -> str | None:
        """Meta's GET to the callback URL while the POST waits; None when it answered the challenge."""
        challenge = secrets.token_hex(6)
        url = urlsplit(callback_url)
        query = urlencode(
            {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
        )
        try:
            connection = http.client.HTTPConnection(
                url.hostname or "", url.port or 80, timeout=self.verify_timeout
            )
            try:
                connection.request("GET", f"{url.path}?{query}")
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
            finally:
                connection.close()
        except OSError as exc:
            self.verification_answers.append((0, type(exc).__name__))
            return f"Couldn't connect to server ({type(exc).__name__})"
        self.verification_answers.append((response.status, body))
        if response.status != 200:
            return f"HTTP Status Code = {response.status}; HTTP Message = {response.reason}"
        if body != challenge:
            return "The URL couldn't be validated. Response does not match challenge"
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _call(self, method: str) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                kind = self.headers.get("Content-Type") or ""
                body: Any = None
                if raw and kind.startswith("application/x-www-form-urlencoded"):
                    params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
                elif raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = Call(method, url.path, params, headers, body)
                with fake._lock:
                    fake.calls.append(call)
                status, answer = fake.handle(call)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._call("GET")

            def do_POST(self) -> None:
                self._call("POST")

        return Handler


def interactive_problems(interactive: Any) -> list[str]:
    """Meta's limits for reply-button and list messages."""
    if not isinstance(interactive, dict):
        return ["interactive missing"]
    problems = []
    body_text = (interactive.get("body") or {}).get("text") or ""
    if not 1 <= len(body_text) <= 1024:
        problems.append("body.text must be 1-1024 characters")
    if len((interactive.get("footer") or {}).get("text") or "") > 60:
        problems.append("footer.text over 60 characters")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = [b.get("reply") or {} for b in action.get("buttons") or []]
        ids = [str(b.get("id", "")) for b in buttons]
        if not 1 <= len(buttons) <= 3:
            problems.append("1-3 buttons")
        if len(set(ids)) != len(ids) or any(not i or len(i) > 256 for i in ids):
            problems.append("button ids must be unique, 1-256 characters")
        if any(not 1 <= len(str(b.get("title", ""))) <= 20 for b in buttons):
            problems.append("button titles must be 1-20 characters")
    elif interactive.get("type") == "list":
        rows = [r for section in action.get("sections") or [] for r in section.get("rows") or []]
        ids = [str(r.get("id", "")) for r in rows]
        if not 1 <= len(str(action.get("button", ""))) <= 20:
            problems.append("action.button must be 1-20 characters")
        if not 1 <= len(rows) <= 10:
            problems.append("1-10 rows")
        if len(set(ids)) != len(ids) or any(not i for i in ids):
            problems.append("row ids must be unique")
        if any(not 1 <= len(str(r.get("title", ""))) <= 24 for r in rows):
            problems.append("row titles must be 1-24 characters")
        if any(len(str(r.get("description", ""))) > 72 for r in rows):
            problems.append("row descriptions over 72 characters")
    else:
        problems.append("type must be button or list")
    return problems
