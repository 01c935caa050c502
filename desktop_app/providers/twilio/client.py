"""A small REST client for Twilio's Messages resource on a requests.Session, with timeouts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from desktop_app.providers.twilio.errors import TwilioError, TwilioErrorKind, error_from_response
from desktop_app.providers.twilio.parsing import parse_twilio_time

API_VERSION = "2010-04-01"
DEFAULT_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class TwilioCredentials:
    """Basic-auth user (API Key SID or Account SID) and secret; the Account SID names the URL path."""

    account_sid: str
    username: str
    secret: str = field(repr=False)

    @classmethod
    def choose(
        cls,
        account_sid: str | None,
        api_key: str | None = None,
        api_secret: str | None = None,
        auth_token: str | None = None,
    ) -> TwilioCredentials:
        """Prefer the API Key (Twilio's advice), else the Auth Token; ValueError names what is missing."""
        if not account_sid:
            raise ValueError("The Twilio Account SID (AC...) is missing.")
        if api_key and api_secret:
            return cls(account_sid, api_key, api_secret)
        if auth_token:
            return cls(account_sid, account_sid, auth_token)
        raise ValueError("Twilio needs an API Key SID and Secret (or the Auth Token).")


@dataclass(frozen=True, slots=True)
class MessagePage:
    """One page of the Messages list, newest first, with the relative URI of the next page."""

    messages: list[dict[str, Any]]
    next_page_uri: str | None
    page: int = 0


class TwilioClient:
    """Talks to api.twilio.com (or the base URL in settings, e.g. a local fake in tests)."""

    def __init__(
        self,
        credentials: TwilioCredentials,
        base_url: str = "https://api.twilio.com",
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.auth = (credentials.username, credentials.secret)
        self._session.headers.setdefault("Accept", "application/json")

    @property
    def account_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.credentials.account_sid}"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> TwilioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- resources -----------------------------------------------------------------------------
    def fetch_account(self, *, timeout: tuple[float, float] | None = None) -> dict[str, Any]:
        return self._request("GET", f"{self.account_path}.json", timeout=timeout)

    def list_messages(
        self,
        *,
        to: str,
        date_sent_after: date | None = None,
        page_size: int = MAX_PAGE_SIZE,
        timeout: tuple[float, float] | None = None,
    ) -> MessagePage:
        """First page of messages sent to `to`; `date_sent_after` is Twilio's inclusive GMT-day filter."""
        params: dict[str, str] = {"To": to, "PageSize": str(max(1, min(page_size, MAX_PAGE_SIZE)))}
        if date_sent_after is not None:
            # Twilio filters by whole GMT days only: "DateSent>" = on or after that day.
            params["DateSent>"] = date_sent_after.isoformat()
        body = self._request("GET", f"{self.account_path}/Messages.json", params=params, timeout=timeout)
        return _page(body)

    def next_page(self, next_page_uri: str) -> MessagePage:
        """Follow `next_page_uri`, which keeps our place even while new messages arrive."""
        parts = urlsplit(next_page_uri)
        # Only the path and query are taken: a page link never sends our credentials elsewhere.
        relative = parts.path + (f"?{parts.query}" if parts.query else "")
        if not parts.path.startswith(f"{self.account_path}/"):
            raise TwilioError(
                TwilioErrorKind.BAD_RESPONSE, f"Twilio returned an unexpected next page link: {parts.path}"
            )
        return _page(self._request("GET", relative))

    def create_message(
        self,
        *,
        to: str,
        from_: str,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> dict[str, Any]:
        """Send one message: free-form `body` (inside the 24 h window) or an approved template."""
        if (body is None) == (content_sid is None):
            raise ValueError("give exactly one of body or content_sid")
        data: dict[str, str] = {"To": to, "From": from_}
        if body is not None:
            data["Body"] = body
        if content_sid is not None:
            data["ContentSid"] = content_sid
            if content_variables:
                data["ContentVariables"] = content_variables
        return self._request("POST", f"{self.account_path}/Messages.json", data=data)

    # -- transport -----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._session.request(
                method, self.base_url + path, params=params, data=data, timeout=timeout or self.timeout
            )
        except requests.RequestException as exc:
            raise TwilioError(TwilioErrorKind.NETWORK, f"network error: {type(exc).__name__}") from None
        with response:
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            if response.status_code >= 400:
                error = error_from_response(
                    response.status_code, body, _retry_after(response.headers.get("Retry-After"))
                )
                if self.credentials.username == self.credentials.account_sid:
                    error.auth_hint = "the Account SID and Auth Token"
                raise error
            if not isinstance(body, dict):
                raise TwilioError(
                    TwilioErrorKind.BAD_RESPONSE,
                    f"Twilio answered HTTP {response.status_code} without a JSON object",
                    http_status=response.status_code,
                )
            return body


def _page(body: dict[str, Any]) -> MessagePage:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise TwilioError(TwilioErrorKind.BAD_RESPONSE, "Twilio's message list has no 'messages' array")
    next_uri = body.get("next_page_uri")
    page = body.get("page")
    return MessagePage(
        messages=[m for m in messages if isinstance(m, dict)],
        next_page_uri=next_uri if isinstance(next_uri, str) and next_uri else None,
        page=page if isinstance(page, int) else 0,
    )


def _retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_twilio_time(value)  # the same RFC 2822 date format Twilio uses in its JSON
    return None if when is None else max(0.0, (when - datetime.now(UTC)).total_seconds())
