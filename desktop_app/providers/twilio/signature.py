"""X-Twilio-Signature: HMAC-SHA1 over the public URL plus the sorted form fields, keyed by the auth token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"

FormParams = Mapping[str, str] | Iterable[tuple[str, str]]


def _pairs(params: FormParams) -> list[tuple[str, str]]:
    items = params.items() if isinstance(params, Mapping) else params
    return list(items)


def twilio_signature(url: str, params: FormParams, auth_token: str) -> str:
    """Base64 HMAC-SHA1 of url + name+value for every field, sorted by name then value."""
    payload = url + "".join(name + value for name, value in sorted(set(_pairs(params))))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _port_variants(url: str) -> list[str]:
    """Twilio may sign with or without the default port; accept both spellings of the same URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default_port = 443 if parts.scheme == "https" else 80
    if parts.port is None:
        with_port = parts._replace(netloc=f"{parts.netloc}:{default_port}")
        return [url, urlunsplit(with_port)]
    without_port = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] if host else parts.netloc)
    return [url, urlunsplit(without_port)]


def is_valid_signature(url: str, params: FormParams, signature: str | None, auth_token: str) -> bool:
    """Check a webhook against the *public* URL Twilio called (the tunnel's, never 127.0.0.1)."""
    if not signature or not auth_token:
        return False
    pairs = _pairs(params)
    return any(
        hmac.compare_digest(twilio_signature(candidate, pairs, auth_token), signature)
        for candidate in _port_variants(url)
    )
