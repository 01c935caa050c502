"""Graph API calls that set up a connection: the app's webhook subscription, the WABA's apps, the token.

Every error becomes a `GraphSetupError` whose message is a plain sentence for the owner; no message,
log line or exception here ever holds a token or the App Secret (the app token *is* `APP_ID|SECRET`,
so it travels only in a form body or an Authorization header, never in a URL).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import requests

log = logging.getLogger(__name__)

WEBHOOK_OBJECT = "whatsapp_business_account"
WEBHOOK_FIELDS = ("messages", "user_preferences")
TIMEOUT = (5.0, 30.0)  # Meta calls the callback URL back while the subscribe call waits


class GraphSetupError(RuntimeError):
    """A setup call failed; str() is the plain sentence to show, `code` Meta's error code if any."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """What Meta has on file for the app's whatsapp_business_account webhook."""

    callback_url: str
    fields: tuple[str, ...]
    active: bool

    @property
    def missing_fields(self) -> tuple[str, ...]:
        return tuple(name for name in WEBHOOK_FIELDS if name not in self.fields)


class SetupClient:
    """The few Graph calls the app needs to wire itself up (one instance per attempt; close() it)."""

    def __init__(
        self,
        *,
        graph_url: str,
        api_version: str,
        app_id: str = "",
        app_secret: str = "",
        access_token: str = "",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self._root = f"{graph_url.rstrip('/')}/{api_version.strip('/')}"
        self._app_id = app_id.strip()
        self._app_secret = app_secret
        self._token = access_token
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._timeout = timeout

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> SetupClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the app's webhook (app access token) -----------------------------------------------------

    def subscribe_app(self, callback_url: str, verify_token: str) -> None:
        """POST /{app}/subscriptions; Meta GETs the callback URL (the handshake) before it answers."""
        self._need_app()
        form = {
            "object": WEBHOOK_OBJECT,
            "callback_url": callback_url,
            "verify_token": verify_token,
            "fields": ",".join(WEBHOOK_FIELDS),
            "access_token": self._app_token(),
        }
        self._call("POST", f"{self._app_id}/subscriptions", data=form, app=True, callback=callback_url)

    def app_subscription(self) -> WebhookSubscription | None:
        """GET /{app}/subscriptions: the whatsapp_business_account entry, or None when there is none."""
        self._need_app()
        data = self._call("GET", f"{self._app_id}/subscriptions", app=True)
        for item in _list(data.get("data")):
            if item.get("object") != WEBHOOK_OBJECT:
                continue
            names = tuple(
                str(f.get("name")) for f in _list(item.get("fields")) if isinstance(f.get("name"), str)
            )
            return WebhookSubscription(str(item.get("callback_url") or ""), names, bool(item.get("active")))
        return None

    # --- the business account and number (the access token) ---------------------------------------

    def subscribe_waba(self, waba_id: str) -> None:
        self._call("POST", f"{waba_id.strip()}/subscribed_apps")

    def waba_apps(self, waba_id: str) -> list[str]:
        data = self._call("GET", f"{waba_id.strip()}/subscribed_apps")
        ids = []
        for item in _list(data.get("data")):
            app = item.get("whatsapp_business_api_data")
            if isinstance(app, dict) and app.get("id"):
                ids.append(str(app["id"]))
        return ids

    def token_owner(self) -> str:
        """GET /me: the token's user (a system user for a long-lived token); raises when it is invalid."""
        data = self._call("GET", "me")
        return str(data.get("name") or data.get("id") or "")

    def number_info(self, phone_number_id: str) -> dict[str, Any]:
        return self._call(
            "GET", phone_number_id.strip(), params={"fields": "display_phone_number,verified_name"}
        )

    # --- internals --------------------------------------------------------------------------------

    def _need_app(self) -> None:
        if not self._app_id or not self._app_secret:
            raise GraphSetupError(
                "Enter the App ID (Settings → Connection) and the App Secret "
                "(App Dashboard → App settings → Basic) so the app can register its webhook."
            )

    def _app_token(self) -> str:
        return f"{self._app_id}|{self._app_secret}"

    def _call(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        app: bool = False,
        callback: str | None = None,
    ) -> dict[str, Any]:
        token = self._app_token() if app else self._token
        if not app and not token:
            raise GraphSetupError("Enter the Meta access token in Settings → Connection.")
        headers = {"Authorization": f"Bearer {token}"} if data is None or not app else {}
        try:
            response = self._session.request(
                method,
                f"{self._root}/{path}",
                data=data,
                params=params,
                headers=headers,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:  # its text holds the URL; only the kind is safe
            raise GraphSetupError(f"Meta could not be reached ({type(exc).__name__}).") from None
        body = _json(response)
        if response.ok:
            return body
        raise _plain_error(response.status_code, body, app=app, callback=callback, app_id=self._app_id)


def probe_callback(callback_url: str, verify_token: str, *, timeout: float = 10.0) -> str | None:
    """Do what Meta does before it delivers: GET the callback with a challenge. None = answered right."""
    challenge = secrets.token_hex(8)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    try:
        response = requests.get(callback_url, params=params, timeout=(5.0, timeout))
    except requests.RequestException as exc:
        return f"no answer ({type(exc).__name__})"
    if response.status_code == 403:
        return "it refused the verify token (the one saved here differs from the running app's)"
    if response.status_code != 200:
        return f"it answered HTTP {response.status_code}"
    if response.text != challenge:
        return "it answered, but not with Meta's challenge (is another program on that address?)"
    return None


def _plain_error(
    status: int, body: dict[str, Any], *, app: bool, callback: str | None, app_id: str
) -> GraphSetupError:
    """Meta's error codes in the owner's words (https://developers.facebook.com/docs/graph-api/guides/error-handling)."""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    assert isinstance(error, dict)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    said = str(error.get("message") or f"HTTP {status}")
    if code == 190 and app:
        text = (
            f"Meta refused the App Secret for App ID {app_id}: check both in App Dashboard → "
            "App settings → Basic (the secret may have been reset)."
        )
    elif code == 190:
        text = "The Meta access token is invalid or has expired: generate a new system-user token."
    elif code == 2200:
        where = callback or "the callback URL"
        text = (
            f"Meta could not reach {where}: is the app (or `consent-desk serve`) running and the "
            f"tunnel up? Meta said: {said}"
        )
    elif code in (10, 200, 3):
        text = (
            "Meta did not allow this app to subscribe: switch the app to Live mode (App Dashboard, top bar) "
            "and give the token the whatsapp_business_management and whatsapp_business_messaging "
            f"permissions. Meta said: {said}"
        )
    elif code == 100 and app:
        text = f"Meta does not know App ID {app_id}, or refused a value: {said}"
    elif code == 100:
        text = f"Meta does not know that id for this token: {said}"
    elif code in (4, 17, 32, 613, 80004):
        text = "Meta is limiting requests right now; try again in a few minutes."
    else:
        text = f"Meta refused the request (code {code if code is not None else status}): {said}"
    return GraphSetupError(text, code)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
