"""Opt-out / opt-in detection: `classify(text)` turns a customer's message into a `Verdict`."""

from __future__ import annotations

import threading

from desktop_app.domain.detection.detector import Detector
from desktop_app.domain.detection.lexicon import Lexicon
from desktop_app.domain.model import Verdict

__all__ = ["Detector", "Lexicon", "classify", "default_detector"]

_default: Detector | None = None
_lock = threading.Lock()


def default_detector() -> Detector:
    """The detector over the shipped lexicon, built on first use and then shared."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Detector(Lexicon.load_default())
    return _default


def classify(text: str | None, button_payload: str | None = None, button_text: str | None = None) -> Verdict:
    return default_detector().classify(text, button_payload=button_payload, button_text=button_text)
