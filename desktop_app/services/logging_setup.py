"""Rotating log file in the platform's log folder; secrets and message bodies never reach it."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_FILE = "consent-desk.log"

# Tokens that look like credentials: Meta access tokens (EAA...), Twilio SIDs/keys, long hex secrets.
_SECRET_PATTERNS = (
    re.compile(r"EAA[A-Za-z0-9]{20,}"),
    re.compile(r"\b(?:AC|SK)[0-9a-fA-F]{32}\b"),
    re.compile(r"\b[0-9a-fA-F]{32,}\b"),
    re.compile(r"(?i)(access_token|app_secret|auth_token|api_secret|verify_token|password)=\S+"),
)


class RedactingFilter(logging.Filter):
    """Last line of defence: scrubs anything secret-shaped from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def setup_logging(log_dir: Path, *, verbose: bool = False, console: bool = False) -> Path:
    """Configure the root logger once; returns the log file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_consent_desk", False):
            root.removeHandler(handler)
            handler.close()
    level = logging.DEBUG if verbose else logging.INFO
    root.setLevel(level)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handlers: list[logging.Handler] = [file_handler]
    if console:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        handler.setLevel(level if handler is file_handler else logging.WARNING)
        handler._consent_desk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return path
