"""Meta WhatsApp Cloud API: webhook parsing, signature check and the Graph API client."""

from __future__ import annotations

PROVIDER = "meta"
