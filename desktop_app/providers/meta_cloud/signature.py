"""The `X-Hub-Signature-256` check: HMAC-SHA256 of the raw body with the App Secret."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `body`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(body: bytes, header_value: str | None, app_secret: str) -> bool:
    """True only for a well-formed header whose digest matches, compared in constant time."""
    if not header_value or not app_secret or not header_value.startswith(_PREFIX):
        return False
    expected = sign(body, app_secret)
    return hmac.compare_digest(expected.encode("ascii"), header_value.strip().encode("utf-8", "replace"))
