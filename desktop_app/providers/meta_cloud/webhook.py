"""What Meta's callback URL must do, independent of any HTTP server: verify, check, parse."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from enum import Enum

from desktop_app.domain.model import ProviderEvent, UnparsedPayload
from desktop_app.providers.meta_cloud import PROVIDER
from desktop_app.providers.meta_cloud.decoding import clean_text
from desktop_app.providers.meta_cloud.parser import MalformedBodyError, parse_body
from desktop_app.providers.meta_cloud.signature import verify_signature

log = logging.getLogger(__name__)


class Rejection(Enum):
    """Why a POST is refused, with the HTTP status Meta should see."""

    MISSING_SIGNATURE = 401
    BAD_SIGNATURE = 403
    MALFORMED_JSON = 400


@dataclass(frozen=True, slots=True)
class CheckedDelivery:
    events: list[ProviderEvent] | None = None
    rejection: Rejection | None = None
    detail: str = ""


def answer_verification(params: dict[str, list[str]], verify_token: str) -> str | None:
    """The hub.challenge to echo back, or None when the handshake must be refused."""
    mode = _first(params, "hub.mode")
    token = _first(params, "hub.verify_token")
    challenge = _first(params, "hub.challenge")
    if mode != "subscribe" or not challenge or not verify_token or token is None:
        return None
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        return None
    return challenge


def check_delivery(body: bytes, signature_header: str | None, app_secret: str) -> CheckedDelivery:
    """Signature over the raw bytes first, then parsing; never raises."""
    if not signature_header:
        return CheckedDelivery(rejection=Rejection.MISSING_SIGNATURE, detail="X-Hub-Signature-256 missing")
    if not verify_signature(body, signature_header, app_secret):
        return CheckedDelivery(rejection=Rejection.BAD_SIGNATURE, detail="X-Hub-Signature-256 does not match")
    try:
        return CheckedDelivery(events=parse_body(body))
    except MalformedBodyError as exc:
        return CheckedDelivery(rejection=Rejection.MALFORMED_JSON, detail=str(exc))
    except Exception as exc:  # a parser bug must not make Meta redeliver a signed body for 7 days
        log.error("The Meta parser failed (%s: %s); the body is kept raw", type(exc).__name__, exc)
        reason = f"parser failed: {type(exc).__name__}"
        return CheckedDelivery(events=[UnparsedPayload(PROVIDER, reason, raw_text(body))])


def raw_text(body: bytes) -> str:
    """The body as storable text, whatever bytes it holds."""
    return clean_text(body.decode("utf-8", errors="replace"))


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None
