"""Test connection for Meta proves the round trip: token, number, webhook fields, callback URL answering."""

from __future__ import annotations

from desktop_app.providers.base import ConnectionCheck, ConnectionState
from desktop_app.providers.meta_cloud.subscriptions import (
    WEBHOOK_FIELDS,
    GraphSetupError,
    SetupClient,
    probe_callback,
)
from desktop_app.services.connections import SecretReader
from desktop_app.services.meta_registration import callback_url_for
from desktop_app.services.settings import Settings

OK, PROBLEM = "✓", "✗"


def round_trip(settings: Settings, secrets: SecretReader, *, allow_env: bool = False) -> ConnectionCheck:
    """One line per link of the chain, each ✓ or the exact problem; never raises."""
    token = secrets.get("meta.access_token", allow_env=allow_env) or ""
    app_secret = secrets.get("meta.app_secret", allow_env=allow_env) or ""
    verify_token = secrets.get("meta.verify_token", allow_env=allow_env) or ""
    with SetupClient(
        graph_url=settings.meta_graph_url,
        api_version=settings.meta_api_version,
        app_id=settings.meta_app_id,
        app_secret=app_secret,
        access_token=token,
    ) as client:
        token_line, token_ok = _token(client, token)
        lines = [token_line]
        lines.append(_number(client, settings, token_ok))
        webhook_line, callback = _webhook(client, settings, app_secret)
        lines.append(webhook_line)
        lines.append(_callback(callback, verify_token))
    ok = all(line.startswith(OK) for line in lines)
    if ok:
        state = ConnectionState.CONNECTED
    elif not token_ok and token:
        state = ConnectionState.BAD_CREDENTIALS
    else:
        state = ConnectionState.NOT_CONFIGURED
    return ConnectionCheck(ok, state, "\n".join(lines))


def _token(client: SetupClient, token: str) -> tuple[str, bool]:
    if not token:
        return (
            f"{PROBLEM} No access token: enter it in Settings → Connection (Meta Business Settings → "
            "System users → Generate token, with whatsapp_business_messaging and "
            "whatsapp_business_management)",
            False,
        )
    try:
        owner = client.token_owner()
    except GraphSetupError as exc:
        return f"{PROBLEM} Access token: {exc}", False
    return f"{OK} The access token works" + (f" ({owner})" if owner else ""), True


def _number(client: SetupClient, settings: Settings, token_ok: bool) -> str:
    number_id = settings.meta_phone_number_id.strip()
    if not number_id:
        return f"{OK} No phone number id needed: replies go out from the number each customer wrote to"
    if not token_ok:
        return f"{PROBLEM} Phone number id {number_id}: cannot be checked without a working access token"
    try:
        info = client.number_info(number_id)
    except GraphSetupError as exc:
        return f"{PROBLEM} Phone number id {number_id} does not belong to this token: {exc}"
    shown = " ".join(str(info.get(k) or "") for k in ("display_phone_number", "verified_name")).strip()
    return f"{OK} Phone number id {number_id} is {shown or 'yours'}"


def _webhook(client: SetupClient, settings: Settings, app_secret: str) -> tuple[str, str | None]:
    fallback = None
    if settings.public_url.strip():
        try:
            fallback = callback_url_for(settings.public_url)
        except ValueError:
            fallback = None
    if not settings.meta_app_id.strip() or not app_secret:
        return (
            f"{PROBLEM} Webhook: enter the App ID and App Secret (App Dashboard → App settings → Basic)",
            fallback,
        )
    try:
        subscription = client.app_subscription()
    except GraphSetupError as exc:
        return f"{PROBLEM} Webhook: {exc}", fallback
    if subscription is None or not subscription.callback_url:
        return (
            f"{PROBLEM} Webhook: Meta has none for this app yet; start the tunnel and the app registers it",
            fallback,
        )
    missing = subscription.missing_fields
    if missing:
        return (
            f"{PROBLEM} Webhook {subscription.callback_url} lacks {', '.join(missing)}",
            subscription.callback_url,
        )
    fields = " and ".join(WEBHOOK_FIELDS)
    return f"{OK} Webhook {subscription.callback_url} gets {fields}", subscription.callback_url


def _callback(callback: str | None, verify_token: str) -> str:
    if not callback:
        return f"{PROBLEM} Callback URL: none yet (start the tunnel)"
    if not verify_token:
        return f"{PROBLEM} Callback URL {callback}: enter the verify token to check it"
    problem = probe_callback(callback, verify_token)
    if problem is not None:
        return f"{PROBLEM} Callback URL {callback}: {problem}"
    return f"{OK} Callback URL {callback} answers Meta's check"
