"""Meta's "Stop promotions" / "Resume promotions" quick-reply buttons: exact consent signals."""

from __future__ import annotations

from desktop_app.domain.detection.lexicon import Lexicon
from desktop_app.domain.detection.matcher import entry_tokens
from desktop_app.domain.model import VerdictKind

_KINDS = {"opt_out": VerdictKind.OPT_OUT, "opt_in": VerdictKind.OPT_IN}
PAYLOADS = "payloads"


def _key(text: str) -> str:
    return " ".join(entry_tokens(text.replace("_", " ")))


class ButtonTable:
    """Payloads and localised labels from `resources/lexicon/buttons.json`, normalised."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._payloads: dict[str, tuple[VerdictKind, str]] = {}
        self._labels: dict[str, tuple[VerdictKind, str, str]] = {}
        for action, groups in lexicon.buttons.items():
            kind = _KINDS.get(action)
            if kind is None:
                continue
            shown = next(iter(groups.get("en", ())), action)
            for group, values in groups.items():
                for value in values:
                    if group == PAYLOADS:
                        self._payloads[_key(value)] = (kind, shown)
                    else:
                        self._labels[_key(value)] = (kind, value, group)

    def match(self, payload: str | None, label: str | None) -> tuple[VerdictKind, str] | None:
        """(kind, label to show) when the payload or the label is one of the platform's buttons."""
        if label:
            found = self._labels.get(_key(label))
            if found is not None:
                return found[0], label.strip()
        if payload:
            by_payload = self._payloads.get(_key(payload))
            if by_payload is not None:
                return by_payload[0], (label or by_payload[1]).strip()
            by_label = self._labels.get(_key(payload))
            if by_label is not None:
                return by_label[0], (label or by_label[1]).strip()
        return None

    def match_words(self, words: str) -> tuple[VerdictKind, str] | None:
        """Like `match` for a typed message already reduced to its normalised words."""
        found = self._labels.get(words)
        return (found[0], found[1]) if found is not None else None

    def language(self, label: str) -> str | None:
        found = self._labels.get(_key(label))
        return found[2] if found is not None else None
