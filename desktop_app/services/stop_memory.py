"""Recent STOPs per customer: a later opt-in the model reads ("Pardon, erreur ! START") takes one back."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from desktop_app.domain.detection.corrections import corrects_previous
from desktop_app.domain.model import InboundMessage, Verdict, VerdictKind

if TYPE_CHECKING:
    from desktop_app.domain.detection import Detector

# An opt-in the model reads this soon after the customer's own STOP takes that STOP back.
CORRECTION_WINDOW = timedelta(hours=24)
RECENT_STOPS_KEPT = 10_000
_WORD = re.compile(r"[^\W_]+")


class StopMemory:
    """Customers whose STOP this session saw (key -> when they sent it). Used on the writer thread only."""

    def __init__(self) -> None:
        self._recent_stops: dict[str, datetime] = {}
        self._keywords: frozenset[str] = frozenset()
        self._keywords_of: Detector | None = None

    def remember(self, key: str, sent_at: datetime) -> None:
        if len(self._recent_stops) >= RECENT_STOPS_KEPT:
            self._recent_stops.pop(next(iter(self._recent_stops)))
        self._recent_stops[key] = sent_at

    def forget(self, key: str) -> None:
        self._recent_stops.pop(key, None)

    def takes_back(self, key: str, msg: InboundMessage, verdict: Verdict, detector: Detector) -> bool:
        """A correction of an earlier STOP: the detector's correction rules, or an opt-in read by the
        model shortly after this customer's STOP (the model has no correction family of its own)."""
        if corrects_previous(verdict):
            return True
        if verdict.kind is not VerdictKind.OPT_IN or not verdict.rule.startswith("model:"):
            return False
        stop_at = self._recent_stops.get(key)
        if stop_at is None or not timedelta(0) <= msg.occurred_at - stop_at <= CORRECTION_WINDOW:
            return False
        # The model alone is not enough to opt someone back in: the message must say START (or its
        # equivalent in a lexicon language) in so many words.
        words = " " + " ".join(_WORD.findall((msg.text or "").casefold())) + " "
        return any(f" {keyword} " in words for keyword in self._opt_in_keywords(detector))

    def _opt_in_keywords(self, detector: Detector) -> frozenset[str]:
        if self._keywords_of is not detector:
            lexicon = detector.lexicon
            self._keywords = frozenset(
                " ".join(_WORD.findall(word.casefold()))
                for lang in lexicon.languages
                for word in lexicon.words(lang, "opt_in")
            ) - {""}
            self._keywords_of = detector
        return self._keywords
