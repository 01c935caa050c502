"""The app registers its own Meta webhook: subscribe the callback URL, read it back, subscribe the WABA.

Runs after the app's own server is up (Meta GETs the callback URL while the subscribe call waits),
and only POSTs when the public URL (or the App ID) is new or Meta holds something else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from desktop_app.providers.meta_cloud.subscriptions import (
    WEBHOOK_FIELDS,
    GraphSetupError,
    SetupClient,
    WebhookSubscription,
)
from desktop_app.services.connections import SecretReader
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)

REGISTERED_CURSOR = "meta.registered_webhook"  # JSON {"app_id", "callback_url"} of the last success
WEBHOOK_PATH = "/webhook"


class CursorReader(Protocol):
    def get_cursor(self, name: str) -> str | None: ...


Remember = Callable[[str, str], None]  # (cursor name, value): on the book writer


@dataclass(frozen=True, slots=True)
class RegistrationReport:
    """What happened, one plain line per step; `ok` is False when Meta will not deliver to this URL."""

    ok: bool
    lines: tuple[str, ...]
    subscription: WebhookSubscription | None = None
    registered: bool = False  # a POST was made (the URL was new or changed)


def callback_url_for(public_url: str) -> str:
    """'https://shop.ngrok.app' or '…/webhook' -> 'https://shop.ngrok.app/webhook'; else ValueError."""
    url = public_url.strip().rstrip("/")
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
        raise ValueError(
            f"The public URL must be an https address such as https://your-shop.ngrok-free.app, not {url!r}."
        )
    return url if url.endswith(WEBHOOK_PATH) else url + WEBHOOK_PATH


def register_webhook(
    settings: Settings,
    secrets: SecretReader,
    public_url: str,
    *,
    book: CursorReader | None = None,
    remember: Remember | None = None,
    allow_env: bool = False,
    force: bool = False,
) -> RegistrationReport:
    """Make Meta deliver `messages` and `user_preferences` to `public_url`/webhook; never raises."""
    try:
        callback = callback_url_for(public_url)
    except ValueError as exc:
        return RegistrationReport(False, (str(exc),))
    app_id = settings.meta_app_id.strip()
    app_secret = secrets.get("meta.app_secret", allow_env=allow_env) or ""
    verify_token = secrets.get("meta.verify_token", allow_env=allow_env) or ""
    token = secrets.get("meta.access_token", allow_env=allow_env) or ""
    if not app_id:
        return RegistrationReport(
            False,
            (
                "Enter the App ID (App Dashboard → App settings → Basic) so the app can register "
                f"{callback} with Meta itself.",
            ),
        )
    if not verify_token:
        return RegistrationReport(False, ("Enter a verify token (any phrase you choose) first.",))
    with SetupClient(
        graph_url=settings.meta_graph_url,
        api_version=settings.meta_api_version,
        app_id=app_id,
        app_secret=app_secret,
        access_token=token,
    ) as client:
        return _register(client, settings, callback, verify_token, book, remember, force, bool(token))


def _register(
    client: SetupClient,
    settings: Settings,
    callback: str,
    verify_token: str,
    book: CursorReader | None,
    remember: Remember | None,
    force: bool,
    has_token: bool,
) -> RegistrationReport:
    lines: list[str] = []
    stamp = json.dumps({"app_id": settings.meta_app_id.strip(), "callback_url": callback}, sort_keys=True)
    try:
        current = client.app_subscription()
        unchanged = (
            not force
            and book is not None
            and book.get_cursor(REGISTERED_CURSOR) == stamp
            and current is not None
            and current.callback_url == callback
            and not current.missing_fields
        )
        registered = False
        if not unchanged:
            client.subscribe_app(callback, verify_token)
            registered = True
            current = client.app_subscription()
    except GraphSetupError as exc:
        log.warning("Registering the webhook with Meta failed: %s", exc)
        return RegistrationReport(False, (str(exc),))
    if current is None or current.callback_url != callback:
        shown = current.callback_url if current else "nothing"
        line = f"Meta still has {shown} as the callback URL, not {callback}."
        log.warning("%s", line)
        return RegistrationReport(False, (line,), current, registered)
    lines.append(f"✓ Meta delivers to {callback}" + (" (registered now)" if registered else ""))
    missing = current.missing_fields
    if missing:
        line = (
            f"Meta's subscription lacks {', '.join(missing)}: opt-outs from WhatsApp's own Stop option "
            "will not arrive (give the app the whatsapp_business_management permission)."
            if "user_preferences" in missing
            else f"Meta's subscription lacks {', '.join(missing)}."
        )
        log.warning("%s", line)
        lines.append(line)
    else:
        lines.append(f"✓ Subscribed to {' and '.join(WEBHOOK_FIELDS)}")
    if remember is not None and registered and not missing:
        remember(REGISTERED_CURSOR, stamp)
    lines.append(_subscribe_waba(client, settings.meta_waba_id, has_token))
    return RegistrationReport(not missing, tuple(lines), current, registered)


def _subscribe_waba(client: SetupClient, waba_id: str, has_token: bool) -> str:
    if not waba_id.strip():
        return (
            "Enter the WhatsApp Business Account ID (WhatsApp Manager → Account tools, or API Setup) so "
            "the app can make sure it is subscribed to your account."
        )
    if not has_token:
        return "Enter the access token so the app can subscribe to your WhatsApp Business Account."
    try:
        client.subscribe_waba(waba_id)
    except GraphSetupError as exc:
        log.warning("Subscribing the app to the WhatsApp Business Account failed: %s", exc)
        return str(exc)
    return f"✓ The app is subscribed to WhatsApp Business Account {waba_id.strip()}"
