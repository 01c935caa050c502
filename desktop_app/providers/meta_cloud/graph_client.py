"""Graph API client for sending: text, templates, mark-as-read; retries only what is safe to retry."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests
import urllib3.exceptions

from desktop_app.domain.journeys import OutgoingMessage
from desktop_app.providers.base import ConnectionCheck, ConnectionState, SendResult
from desktop_app.providers.meta_cloud import PROVIDER
from desktop_app.providers.meta_cloud.reply_numbers import ReplyNumbers

log = logging.getLogger(__name__)

RATE_LIMIT_CODES = frozenset({130429, 131056, 131057, 80007})  # throughput, pair rate, upgrade, WABA rate
TOKEN_CODES = frozenset({190, 0})  # expired/invalid token; AuthException
OUTSIDE_WINDOW_CODE = 131047
OPTED_OUT_CODE = 131050
PAIR_RATE_CODE = 131056
PAIR_RATE_MIN_WAIT = 6.0  # Meta allows about one message per 6 s to the same user
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
NO_NUMBER_YET = (
    "No WhatsApp number to send from yet: it is learnt from the first message a customer sends "
    "(or enter the phone number id in Settings → Connection)."
)


class GraphClient:
    """Implements providers.base.Sender for Meta, plus send_template and mark_read."""

    name = PROVIDER

    def __init__(
        self,
        *,
        access_token: str,
        phone_number_id: str = "",
        numbers: ReplyNumbers | None = None,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v24.0",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = access_token
        # Which number each customer wrote to (webhook metadata); the configured id is the fallback.
        self.numbers = numbers or ReplyNumbers(phone_number_id)
        self._root = f"{base_url.rstrip('/')}/{api_version.strip('/')}"
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- Sender protocol -------------------------------------------------------------------------

    @property
    def _phone_number_id(self) -> str:
        return self.numbers.number_for(None) or ""

    def send_text(self, to: str, text: str) -> SendResult:
        body = {**_recipient(to), "type": "text", "text": {"preview_url": False, "body": text}}
        return self._post_message(body, sender_number=self.numbers.number_for(to))

    def send_interactive(self, to: str, message: OutgoingMessage) -> SendResult:
        """Reply buttons or a list as a Cloud interactive message; a text-only message goes as text."""
        if message.kind == "text":
            return self.send_text(to, message.plain_text())
        body = {**_recipient(to), "type": "interactive", "interactive": message.cloud_interactive()}
        return self._post_message(body, sender_number=self.numbers.number_for(to))

    def test_connection(self) -> ConnectionCheck:
        if not self._token or not self._phone_number_id:
            return ConnectionCheck(
                False, ConnectionState.NOT_CONFIGURED, "Enter the access token and phone number id."
            )
        url = f"{self._root}/{self._phone_number_id}"
        params = {"fields": "display_phone_number,verified_name"}
        try:
            response = self._session.get(url, params=params, headers=self._headers(), timeout=self._timeout)
        except requests.RequestException as exc:
            return ConnectionCheck(
                False, ConnectionState.OFFLINE, f"Meta could not be reached ({type(exc).__name__})."
            )
        if response.ok:
            info = _json(response)
            number = info.get("display_phone_number") or self._phone_number_id
            name = info.get("verified_name") or ""
            return ConnectionCheck(True, ConnectionState.CONNECTED, f"Connected to {number} {name}".strip())
        result = self._error_result(response)
        if result.needs_reconnect:
            return ConnectionCheck(False, ConnectionState.TOKEN_EXPIRED, _reconnect_message())
        return ConnectionCheck(
            False, ConnectionState.BAD_CREDENTIALS, f"Meta refused the check: {result.error_message}"
        )

    # --- Meta extras -----------------------------------------------------------------------------

    def send_template(
        self, to: str, name: str, language: str, components: Sequence[dict[str, Any]] | None = None
    ) -> SendResult:
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = list(components)
        body = {**_recipient(to), "type": "template", "template": template}
        return self._post_message(body, sender_number=self.numbers.number_for(to))

    def mark_read(self, message_id: str) -> SendResult:
        body = {"status": "read", "message_id": message_id}
        return self._post_message(body, expect_id=False, sender_number=self._phone_number_id)

    # --- internals -------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _post_message(
        self, body: dict[str, Any], *, sender_number: str | None, expect_id: bool = True
    ) -> SendResult:
        if not sender_number:
            return SendResult(ok=False, error_message=NO_NUMBER_YET)
        url = f"{self._root}/{sender_number}/messages"
        payload = {"messaging_product": "whatsapp", **body}
        result = SendResult(ok=False, error_message="not attempted")
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._session.post(
                    url, json=payload, headers=self._headers(), timeout=self._timeout
                )
            except requests.RequestException as exc:
                if not _never_reached_server(exc):
                    # The request may have been delivered; repeating it could send the message twice.
                    return SendResult(
                        ok=False, error_message=f"no answer from Meta ({type(exc).__name__}); not retried"
                    )
                result = SendResult(
                    ok=False, retryable=True, error_message=f"Meta unreachable ({type(exc).__name__})"
                )
                wait = self._wait(attempt, None)
            else:
                if response.ok:
                    return _success(response, expect_id)
                result = self._error_result(response)
                if not result.retryable:
                    return result
                wait = self._wait(attempt, response.headers.get("Retry-After"))
                if result.error_code == PAIR_RATE_CODE:
                    wait = max(wait, PAIR_RATE_MIN_WAIT)
            if attempt < self._max_attempts:
                log.info("Graph API busy (%s); retrying in %.1fs", result.error_code, wait)
                self._sleep(wait)
        return result

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self._max_backoff)
        return min(self._backoff * (2 ** (attempt - 1)), self._max_backoff)

    def _error_result(self, response: requests.Response) -> SendResult:
        error = _json(response).get("error")
        error = error if isinstance(error, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        details = (
            error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
        )
        message = str(details or error.get("message") or f"HTTP {response.status_code}")
        needs_reconnect = code in TOKEN_CODES and response.status_code in (400, 401, 403)
        needs_reconnect = needs_reconnect or (code is None and response.status_code == 401)
        retryable = (
            response.status_code == 429 or response.status_code >= 500 or code in RATE_LIMIT_CODES
        ) and not needs_reconnect
        if needs_reconnect:
            message = _reconnect_message()
        return SendResult(
            ok=False,
            error_code=code if code is not None else response.status_code,
            error_message=message,
            retryable=retryable,
            needs_reconnect=needs_reconnect,
            outside_window=code == OUTSIDE_WINDOW_CODE,
            recipient_opted_out=code == OPTED_OUT_CODE,
        )


def _recipient(to: str) -> dict[str, str]:
    """Phone numbers go in `to` with '+'; username-only users (BSUIDs) go in `recipient`."""
    digits = to.lstrip("+")
    if digits.isdigit():
        return {"recipient_type": "individual", "to": "+" + digits}
    return {"recipient_type": "individual", "recipient": to}


def _success(response: requests.Response, expect_id: bool) -> SendResult:
    data = _json(response)
    messages = data.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return SendResult(ok=True, provider_message_id=str(messages[0].get("id") or "") or None)
    if not expect_id and data.get("success") is True:
        return SendResult(ok=True)
    return SendResult(ok=False, error_message="Meta answered 200 without a message id")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _never_reached_server(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so a retry cannot duplicate a message."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


def _reconnect_message() -> str:
    return "The Meta access token expired or was revoked. Open Settings and reconnect with a new token."
