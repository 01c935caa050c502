"""Finds every lexicon word and phrase in a tokenised message (the detector's lookup tables)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from desktop_app.domain.detection.lexicon import KEYWORD_LISTS, Lexicon
from desktop_app.domain.detection.normalize import Token, normalize_word, squeeze, tokenize

_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Hit:
    """One lexicon entry found in the message, as token positions [start, end)."""

    concept: str
    lang: str | None
    start: int
    end: int
    entry: str


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare keyword: the whole message (minus fillers) is this word or phrase."""

    kind: str  # "opt_out" | "opt_in" | "weak_opt_out"
    lang: str
    entry: str
    norm: str


def entry_tokens(entry: str) -> tuple[str, ...]:
    return tuple(token.norm for token in tokenize(entry).tokens)


class Index:
    """Lookup tables built once per lexicon; `find` is called for every message."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str | None, str]]] = defaultdict(list)
        self._prefixes: list[tuple[str, str, str | None, str]] = []
        self._single_cache: dict[str, tuple[tuple[str, str | None, str], ...]] = {}
        self.keywords: dict[str, list[Keyword]] = defaultdict(list)
        self.squeezed_keywords: dict[str, list[Keyword]] = defaultdict(list)
        for lang_key, lists in lexicon.entries.items():
            lang = None if lang_key == "*" else lang_key
            for concept, entries in lists.items():
                for entry in entries:
                    self._add(concept, lang, entry)

    def _add(self, concept: str, lang: str | None, entry: str) -> None:
        if entry.endswith("*") and " " not in entry.strip():
            prefix = normalize_word(entry[:-1])
            if prefix:
                self._prefixes.append((prefix, concept, lang, entry))
            return
        tokens = entry_tokens(entry)
        if not tokens:
            return
        if concept in (*KEYWORD_LISTS, "weak_opt_out") and lang is not None:
            norm = " ".join(tokens)
            keyword = Keyword(concept, lang, entry, norm)
            self.keywords[norm].append(keyword)
            self.squeezed_keywords[squeeze(norm.replace(" ", ""))].append(keyword)
            concept = {"opt_out": "kw_opt_out", "opt_in": "kw_opt_in"}.get(concept, "kw_weak")
        self._by_first[tokens[0]].append((tokens, concept, lang, entry))

    def _single(self, norm: str) -> tuple[tuple[str, str | None, str], ...]:
        found = self._single_cache.get(norm)
        if found is None:
            found = tuple(
                (concept, lang, entry)
                for prefix, concept, lang, entry in self._prefixes
                if norm.startswith(prefix)
            )
            if len(self._single_cache) > _CACHE_LIMIT:
                self._single_cache.clear()
            self._single_cache[norm] = found
        return found

    def find(self, tokens: tuple[Token, ...]) -> list[Hit]:
        hits: list[Hit] = []
        count = len(tokens)
        for i, token in enumerate(tokens):
            for concept, lang, entry in self._single(token.norm):
                hits.append(Hit(concept, lang, i, i + 1, entry))
            candidates = self._by_first.get(token.norm)
            if not candidates:
                continue
            for seq, concept, lang, entry in candidates:
                size = len(seq)
                if size == 1:
                    hits.append(Hit(concept, lang, i, i + 1, entry))
                elif (
                    i + size <= count
                    and tokens[i + size - 1].clause == token.clause
                    and all(tokens[i + k].norm == seq[k] for k in range(1, size))
                ):
                    hits.append(Hit(concept, lang, i, i + size, entry))
        return hits
