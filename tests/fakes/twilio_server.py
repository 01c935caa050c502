"""A fake Twilio REST API on 127.0.0.1: Messages list pages, sends, errors and scripted failures."""

from __future__ import annotations

import base64
import email.utils
import functools
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT_SID = "AC" + "a1" * 16
API_KEY = "SK" + "b2" * 16
API_SECRET = "fake-api-secret"
AUTH_TOKEN = "fake-auth-token"
BUSINESS = "whatsapp:+15550100100"
API = "/2010-04-01"


def twilio_time(when: datetime) -> str:
    """Twilio's RFC 2822 format: 'Thu, 24 Aug 2023 05:01:45 +0000'."""
    return email.utils.format_datetime(when.astimezone(UTC).replace(microsecond=0))


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class ScriptedFailure:
    status: int
    code: int | None
    method: str
    path_suffix: str
    times: int
    retry_after: str | None = None
    message: str = "scripted failure"
    json_body: bool = True


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    authorized: bool


@dataclass
class FakeTwilioState:
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    failures: list[ScriptedFailure] = field(default_factory=list)
    holds: dict[int, threading.Event] = field(default_factory=dict)  # page number -> gate
    unsubscribed: set[str] = field(default_factory=set)
    outside_window: set[str] = field(default_factory=set)


class FakeTwilio:
    """Speaks Twilio's JSON. Use as a context manager; `base_url` goes into settings.twilio_base_url."""

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        api_key: str = API_KEY,
        api_secret: str = API_SECRET,
        auth_token: str = AUTH_TOKEN,
        business: str = BUSINESS,
        friendly_name: str = "Rosa's Bakery",
    ) -> None:
        self.account_sid = account_sid
        self.business = business
        self.friendly_name = friendly_name
        self._logins = {(api_key, api_secret), (account_sid, auth_token)}
        self.state = FakeTwilioState()
        self.lock = threading.RLock()
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-twilio", daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self.lock:
            for gate in self.state.holds.values():
                gate.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting -----------------------------------------------------------------------------
    def add_message(
        self,
        from_: str,
        body: str | None,
        *,
        date_sent: datetime,
        to: str | None = None,
        direction: str = "inbound",
        sid: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        sid = sid or new_sid()
        stamp = twilio_time(date_sent)
        message = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body or "",
            "date_created": stamp,
            "date_sent": stamp,
            "date_updated": stamp,
            "direction": direction,
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "received" if direction == "inbound" else "sent",
            "subresource_uris": {"media": f"{API}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": to or self.business,
            "uri": f"{API}/Accounts/{self.account_sid}/Messages/{sid}.json",
            **(extra or {}),
        }
        with self.lock:
            self.state.messages.append(message)
        return sid

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        *,
        times: int = 1,
        method: str = "GET",
        path_suffix: str = "Messages.json",
        retry_after: str | None = None,
        json_body: bool = True,
    ) -> None:
        with self.lock:
            self.state.failures.append(
                ScriptedFailure(status, code, method, path_suffix, times, retry_after, json_body=json_body)
            )

    def hold_page(self, page: int) -> threading.Event:
        """The next request for list page `page` (0-based) waits until the returned event is set."""
        gate = threading.Event()
        with self.lock:
            self.state.holds[page] = gate
        return gate

    def list_requests(self) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.state.requests if r.method == "GET" and r.path.endswith("Messages.json")]

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.state.messages if m["direction"] == "outbound-api"]

    # -- serving -------------------------------------------------------------------------------
    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        return (user, secret) in self._logins

    def scripted_failure(self, method: str, path: str) -> ScriptedFailure | None:
        with self.lock:
            for failure in self.state.failures:
                if failure.times > 0 and failure.method == method and path.endswith(failure.path_suffix):
                    failure.times -= 1
                    return failure
        return None

    def list_page(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        one = {k: v[-1] for k, v in query.items()}
        page_size = min(int(one.get("PageSize", "50")), 1000)
        page = int(one.get("Page", "0"))
        with self.lock:
            gate = self.state.holds.pop(page, None)
        if gate is not None:
            gate.wait(10)
        with self.lock:
            matching = sorted(
                (m for m in self.state.messages if _matches(m, one)), key=_sort_key, reverse=True
            )
        token = one.get("PageToken")
        if token:
            last_sid = token[2:]
            keys = [_sort_key(m) for m in matching if m["sid"] == last_sid]
            if keys:
                matching = [m for m in matching if _sort_key(m) < keys[0]]
        chunk = matching[:page_size]
        filters = {k: v for k, v in one.items() if k not in ("Page", "PageToken", "PageSize")}
        base = {**filters, "PageSize": str(page_size)}
        next_uri = None
        if len(matching) > page_size:
            next_uri = f"{path}?{urlencode({**base, 'Page': page + 1, 'PageToken': 'PA' + chunk[-1]['sid']})}"
        return {
            "end": page * page_size + max(len(chunk) - 1, 0),
            "first_page_uri": f"{path}?{urlencode({**base, 'Page': 0})}",
            "messages": chunk,
            "next_page_uri": next_uri,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": None,
            "start": page * page_size,
            "uri": f"{path}?{urlencode({**base, 'Page': page})}",
        }

    def create(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        one = {k: v[-1] for k, v in form.items()}
        to, from_ = one.get("To", ""), one.get("From", "")
        if not to:
            return 400, _error(400, 21604, "A 'To' phone number is required.")
        if from_ != self.business:
            return 400, _error(400, 63007, "Twilio could not find a Channel with the specified From address")
        if not one.get("Body") and not one.get("ContentSid"):
            return 400, _error(400, 21602, "Message body is required.")
        if to in self.state.unsubscribed:
            return 400, _error(400, 21610, "Attempt to send to unsubscribed recipient")
        if to in self.state.outside_window and not one.get("ContentSid"):
            return 400, _error(
                400,
                63016,
                "Failed to send freeform message because you are outside the "
                "allowed window. If you are using WhatsApp, please use a Message Template.",
            )
        sid = self.add_message(
            from_, one.get("Body"), to=to, direction="outbound-api", date_sent=datetime.now(UTC)
        )
        with self.lock:
            message = next(m for m in self.state.messages if m["sid"] == sid)
            message["status"] = "queued"
            if one.get("ContentSid"):
                message["content_sid"] = one["ContentSid"]
            return 201, dict(message)

    def account(self) -> dict[str, Any]:
        return {
            "sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "status": "active",
            "type": "Full",
            "uri": f"{API}/Accounts/{self.account_sid}.json",
        }


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@functools.lru_cache(maxsize=65536)
def _parse_time(stamp: str) -> datetime:
    return email.utils.parsedate_to_datetime(stamp)


def _sort_key(message: dict[str, Any]) -> tuple[datetime, str]:
    return _parse_time(message["date_sent"]), message["sid"]


def _matches(message: dict[str, Any], query: dict[str, str]) -> bool:
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    day = _parse_time(message["date_sent"]).astimezone(UTC).date()
    checks: dict[str, Callable[[date], bool]] = {
        "DateSent": lambda d: day == d,
        "DateSent>": lambda d: day >= d,  # Twilio: on or after that GMT day
        "DateSent<": lambda d: day <= d,
    }
    for name, check in checks.items():
        if name in query and not check(date.fromisoformat(query[name])):
            return False
    return True


def _bad_date(query: dict[str, list[str]]) -> str | None:
    for name in ("DateSent", "DateSent>", "DateSent<"):
        for value in query.get(name, []):
            try:
                date.fromisoformat(value)
            except ValueError:
                return value
            if len(value) != 10:
                return value
    return None


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            self.send_response(status)
            kind = "text/html" if isinstance(body, bytes) else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            form: dict[str, list[str]] = {}
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            record = RecordedRequest(
                method, parts.path, query, form, fake.authorized(self.headers.get("Authorization"))
            )
            with fake.lock:
                fake.state.requests.append(record)
            if fake.on_request is not None:
                fake.on_request(record)
            if not record.authorized:
                self._reply(401, _error(401, 20003, "Authenticate"))
                return
            failure = fake.scripted_failure(method, parts.path)
            if failure is not None:
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
                body: Any = (
                    _error(failure.status, failure.code or failure.status, failure.message)
                    if failure.json_body
                    else b"<html>Service Unavailable</html>"
                )
                self._reply(failure.status, body, headers)
                return
            account = f"{API}/Accounts/{fake.account_sid}"
            if method == "GET" and parts.path == f"{account}.json":
                self._reply(200, fake.account())
            elif method == "GET" and parts.path == f"{account}/Messages.json":
                bad = _bad_date(query)
                if bad is not None:
                    self._reply(400, _error(400, 20001, f"Invalid DateSent value: {bad}"))
                    return
                self._reply(200, fake.list_page(parts.path, query))
            elif method == "POST" and parts.path == f"{account}/Messages.json":
                status, answer = fake.create(form)
                self._reply(status, answer)
            else:
                self._reply(404, _error(404, 20404, f"The requested resource {parts.path} was not found"))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler
