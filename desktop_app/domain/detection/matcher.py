"""Finds every lexicon word and phrase in a tokenised message (the detector's lookup tables)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, TypeVar

from desktop_app.domain.detection.lexicon import KEYWORD_LISTS, Lexicon
from desktop_app.domain.detection.normalize import Token, normalize_word, squeeze, tokenize

K = TypeVar("K")
_CACHE_LIMIT = 50_000
TYPO_MIN_LENGTH = 4  # shorter words have too many real neighbours ("top", "dur")


class Hit(NamedTuple):
    """One lexicon entry found in the message, as token positions [start, end)."""

    concept: str
    lang: str | None  # the language this reading is taken in (the message's main one, once resolved)
    start: int
    end: int
    entry: str
    langs: tuple[str, ...] = ()  # every language whose lexicon reads these words this way


@dataclass(frozen=True, slots=True)
class Keyword:
    """A bare keyword: the whole message (minus fillers) is this word or phrase."""

    kind: str  # "opt_out" | "opt_in" | "weak_opt_out"
    lang: str
    entry: str
    norm: str


Multi = tuple[tuple[str, ...], str, str | None, str]
Reading = tuple[str, str | None, str, tuple[str, ...]]  # concept, first language, first entry, languages
MultiReading = tuple[tuple[str, ...], str, str | None, str, tuple[str, ...]]
Readings = tuple[tuple[Reading, ...], dict[str, tuple[MultiReading, ...]]]
_NO_READINGS: Readings = ((), {})  # shared by every word the lexicon does not know


@lru_cache(maxsize=32768)
def entry_tokens(entry: str) -> tuple[str, ...]:
    return tuple(token.norm for token in tokenize(entry).tokens)


class Index:
    """Lookup tables built once per lexicon; `find` is called for every message."""

    def __init__(
        self, lexicon: Lexicon, keyword_order: Callable[[Keyword], tuple[int, int]] | None = None
    ) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str | None, str]]] = defaultdict(list)
        self._prefixes: list[tuple[str, str, str | None, str]] = []
        self._cache: dict[str, Readings] = {}
        self.keywords: dict[str, list[Keyword]] = defaultdict(list)
        self.squeezed_keywords: dict[str, list[Keyword]] = defaultdict(list)
        self._longest: int | None = None
        self._keyword_hits: set[tuple[tuple[str, ...], str]] = set()
        self._by_length: dict[int, list[tuple[str, list[Keyword]]]] | None = None
        self.languages = lexicon.language_facts
        self._rank = self.languages.rank
        for lang_key, lists in lexicon.entries.items():
            lang = None if lang_key == "*" else lang_key
            for concept, entries in lists.items():
                for entry in entries:
                    self._add(concept, lang, entry)
        if keyword_order is not None:
            self._sort_keywords(keyword_order)

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
            # One language-neutral hit per keyword: "stop" is a keyword in a dozen languages, and
            # which one the customer meant is decided from the other words (see keywords._pick).
            if (tokens, concept) in self._keyword_hits:
                return
            self._keyword_hits.add((tokens, concept))
            lang = None
        self._by_first[tokens[0]].append((tokens, concept, lang, entry))

    def _sort_keywords(self, order: Callable[[Keyword], tuple[int, int]]) -> None:
        for table in (self.keywords, self.squeezed_keywords):
            for readings in table.values():
                readings.sort(key=order)

    @property
    def longest_keyword(self) -> int:
        """Number of words in the longest bare keyword."""
        if self._longest is None:
            self._longest = max((norm.count(" ") + 1 for norm in self.keywords), default=0)
        return self._longest

    def typo_candidates(self, length: int) -> list[tuple[str, list[Keyword]]]:
        """Single-word strong keywords whose length is within one of `length`."""
        if self._by_length is None:
            by_length: dict[int, list[tuple[str, list[Keyword]]]] = defaultdict(list)
            for norm, keywords in self.keywords.items():
                strong = [k for k in keywords if k.kind != "weak_opt_out"]
                if " " not in norm and len(norm) >= TYPO_MIN_LENGTH and strong:
                    by_length[len(norm)].append((norm, strong))
            self._by_length = by_length
        return [
            *self._by_length.get(length - 1, ()),
            *self._by_length.get(length, ()),
            *self._by_length.get(length + 1, ()),
        ]

    def _entries(self, norm: str) -> Readings:
        """Single-word readings (exact and prefix) of `norm`, and its multi-word entries by second word.

        Readings of the same word class are merged across languages ("me" is "self" in six lists).
        """
        found = self._cache.get(norm)
        if found is None:
            singles: dict[str, tuple[list[str], str]] = {}
            multis: dict[tuple[tuple[str, ...], str], tuple[list[str], str]] = {}
            for prefix, concept, lang, entry in self._prefixes:
                if norm.startswith(prefix):
                    _merge(singles, concept, lang, entry)
            for seq, concept, lang, entry in self._by_first.get(norm, ()):
                if len(seq) == 1:
                    _merge(singles, concept, lang, entry)
                else:
                    _merge(multis, (seq, concept), lang, entry)
            by_second: dict[str, list[MultiReading]] = defaultdict(list)
            for (seq, concept), (langs, entry) in multis.items():
                ordered = _ordered(langs, self._rank)
                by_second[seq[1]].append((seq, concept, ordered[0] if ordered else None, entry, ordered))
            readings: list[Reading] = []
            for concept, (langs, entry) in singles.items():
                ordered = _ordered(langs, self._rank)
                readings.append((concept, ordered[0] if ordered else None, entry, ordered))
            found = (tuple(readings), {second: tuple(group) for second, group in by_second.items()})
            if not readings and not by_second:
                found = _NO_READINGS
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache[norm] = found
        return found

    def find(self, tokens: tuple[Token, ...]) -> list[Hit]:
        hits: list[Hit] = []
        append = hits.append
        new_hit = tuple.__new__  # skips NamedTuple's Python-level constructor on the hot path
        cached = self._cache.get
        nothing = _NO_READINGS
        count = len(tokens)
        i = 0
        for token in tokens:
            norm = token[0]
            found = cached(norm)
            if found is nothing:
                i += 1
                continue
            singles, multis = found if found is not None else self._entries(norm)
            for concept, lang, entry, langs in singles:
                append(new_hit(Hit, (concept, lang, i, i + 1, entry, langs)))
            i += 1
            if not multis or i >= count:
                continue
            following = tokens[i]
            candidates = multis.get(following[0]) if following[3] == token[3] else None
            if not candidates:
                continue
            start = i - 1
            for seq, concept, lang, entry, langs in candidates:
                size = len(seq)
                if size == 2 or (
                    start + size <= count
                    and tokens[start + size - 1].clause == token.clause
                    and all(tokens[start + k].norm == seq[k] for k in range(2, size))
                ):
                    append(new_hit(Hit, (concept, lang, start, start + size, entry, langs)))
        return hits


def _merge(table: dict[K, tuple[list[str], str]], key: K, lang: str | None, entry: str) -> None:
    langs, _first_entry = table.setdefault(key, ([], entry))
    if lang is not None and lang not in langs:
        langs.append(lang)


def _ordered(langs: list[str], rank: Callable[[str | None], int]) -> tuple[str, ...]:
    return tuple(sorted(langs, key=rank))
