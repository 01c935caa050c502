"""Whether an outgoing reply looks promotional (offers, prices, discounts), from resources/promotional."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"[^\W_]+|[%٪]")
_NUMBER = r"\d[\d.,]*"
_PERCENT = re.compile(rf"{_NUMBER}\s?[%٪]|[%٪]\s?\d+")


@dataclass(frozen=True, slots=True)
class PromoReading:
    """The verdict on one text: promotional or not, and the words that made it so (as written)."""

    promotional: bool
    triggers: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    def trigger_words(self) -> str:
        """'“sale”, “20%”' for a sentence shown to the owner."""
        return ", ".join(f"“{word}”" for word in self.triggers)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, and for each folded character the index it came from.

    Accents are dropped on Latin letters only: Devanagari and Arabic marks carry the word.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        decomposed = unicodedata.normalize("NFKD", char)
        base = decomposed[0] if decomposed else char
        if base < "\u0250" and base.isalpha():
            decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
        else:
            decomposed = char
        for folded in decomposed.casefold():
            out.append(folded)
            origin.append(index)
    return "".join(out), origin


def fold(text: str) -> str:
    return _fold_with_offsets(text)[0]


@dataclass(frozen=True, slots=True)
class _Entry:
    parts: tuple[str, ...]  # folded words; one ending in '*' is a prefix

    def matches_at(self, tokens: Sequence[str], start: int) -> bool:
        if start + len(self.parts) > len(tokens):
            return False
        for part, token in zip(self.parts, tokens[start:], strict=False):
            if part.endswith("*"):
                if not token.startswith(part[:-1]):
                    return False
            elif token != part:
                return False
        return True


@dataclass(frozen=True)
class PromoLexicon:
    """Offer words of every supported language, and the currencies a price is written with."""

    entries: tuple[_Entry, ...]
    currency_symbols: tuple[str, ...]
    currency_codes: tuple[str, ...]
    languages: tuple[str, ...] = ()
    _price: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # first word -> entries starting with it; prefix entries (head, entry) are tried on every word
    _index: tuple[dict[str, list[_Entry]], tuple[tuple[str, _Entry], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        symbols = "|".join(re.escape(s) for s in sorted(self.currency_symbols, key=len, reverse=True))
        codes = "|".join(re.escape(c) for c in sorted(self.currency_codes, key=len, reverse=True))
        alternatives = []
        if symbols:
            alternatives += [rf"(?:{symbols})\s?\d[\d.,]*", rf"{_NUMBER}\s?(?:{symbols})"]
        if codes:
            alternatives += [rf"\b(?:{codes})\.?\s?\d[\d.,]*", rf"{_NUMBER}\s?(?:{codes})\b"]
        object.__setattr__(self, "_price", re.compile("|".join(alternatives) or r"(?!)"))
        by_first: dict[str, list[_Entry]] = {}
        by_prefix: list[tuple[str, _Entry]] = []
        for entry in self.entries:
            head = entry.parts[0]
            if head.endswith("*"):
                by_prefix.append((head[:-1], entry))
            else:
                by_first.setdefault(head, []).append(entry)
        object.__setattr__(self, "_index", (by_first, tuple(by_prefix)))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> PromoLexicon:
        words = data.get("words")
        if not isinstance(words, Mapping):
            raise ValueError("promotional data needs a 'words' table of language -> list of words")
        entries: list[_Entry] = []
        for language, items in words.items():
            if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
                raise ValueError(f"promotional words for {language!r} must be a list of strings")
            for item in items:
                parts = tuple(_TOKEN.findall(fold(item)))
                if item.rstrip().endswith("*") and parts:
                    parts = (*parts[:-1], parts[-1] + "*")
                if parts:
                    entries.append(_Entry(parts))
        return cls(
            entries=tuple(dict.fromkeys(entries)),
            currency_symbols=tuple(_strings(data.get("currency_symbols"))),
            currency_codes=tuple(fold(code) for code in _strings(data.get("currency_codes"))),
            languages=tuple(sorted(words)),
        )

    @classmethod
    def from_file(cls, path: Path) -> PromoLexicon:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path.name}: cannot read the promotional words ({exc})") from exc
        return cls.from_mapping(data)

    @classmethod
    def load_default(cls) -> PromoLexicon:
        """The words shipped in resources/promotional (the only I/O this module does)."""
        from desktop_app.domain.resources import resource_path

        return cls.from_file(resource_path("promotional", "promotional.json"))

    def read(self, text: str) -> PromoReading:
        folded, origin = _fold_with_offsets(text)
        found: list[tuple[int, int]] = []
        for pattern in (_PERCENT, self._price):
            found += [(m.start(), m.end()) for m in pattern.finditer(folded)]
        tokens = list(_TOKEN.finditer(folded))
        words = [match.group() for match in tokens]
        by_first, by_prefix = self._index
        for start, word in enumerate(words):
            candidates = list(by_first.get(word, ()))
            candidates += [entry for head, entry in by_prefix if word.startswith(head)]
            for entry in candidates:
                if entry.matches_at(words, start):
                    end = start + len(entry.parts) - 1
                    found.append((tokens[start].start(), tokens[end].end()))
        if not found:
            return PromoReading(False)
        spans = _merge((origin[a], origin[b - 1] + 1) for a, b in found)
        return PromoReading(True, tuple(text[a:b] for a, b in spans), tuple(spans))


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=1)
def default_lexicon() -> PromoLexicon:
    return PromoLexicon.load_default()


def looks_promotional(text: str, lexicon: PromoLexicon | None = None) -> PromoReading:
    """Read an outgoing text as promotional or not (the shipped words unless a lexicon is given)."""
    return (lexicon or default_lexicon()).read(text)
