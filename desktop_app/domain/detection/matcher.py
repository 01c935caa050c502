"""Finds every lexicon word and phrase in a tokenised message (the detector's lookup tables)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from desktop_app.domain.detection.lexicon import KEYWORD_LISTS, Lexicon
from desktop_app.domain.detection.normalize import Token, normalize_word, squeeze, tokenize

K = TypeVar("K")
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


class Reading(NamedTuple):
    """What one word (or phrase) stands for, merged across the languages that list it."""

    concept: str
    lang: str | None  # the best-ranked of `langs` (None for language-neutral entries)
    entry: str  # the lexicon entry as written, from the first list that has it
    langs: tuple[str, ...]  # every language whose lexicon reads the words this way, best-ranked first


class Phrase(NamedTuple):
    """A multi-word entry, merged across languages like a `Reading`."""

    words: tuple[str, ...]
    reading: Reading


class WordEntries(NamedTuple):
    """Everything the lexicon says about one normalised word."""

    readings: tuple[Reading, ...]  # the word on its own (exact entries and "prefix*" entries)
    phrases: dict[str, tuple[Phrase, ...]]  # the phrases starting with it, by their second word


class _Entry(NamedTuple):
    """One line of a lexicon list, before entries are merged across languages."""

    words: tuple[str, ...]  # normalised; for a "prefix*" entry, just the prefix
    concept: str
    lang: str | None
    entry: str


@dataclass(slots=True)
class _Merged:
    entry: str  # the first entry seen
    langs: list[str] = field(default_factory=list)


_NO_ENTRIES = WordEntries((), {})  # every word the lexicon does not know


def entry_tokens(entry: str) -> tuple[str, ...]:
    """The normalised words of a lexicon entry or button label."""
    return tuple(token.norm for token in tokenize(entry).tokens)


class Index:
    """Lookup tables built once per lexicon; `find` is called for every message."""

    def __init__(
        self, lexicon: Lexicon, keyword_order: Callable[[Keyword], tuple[int, int]] | None = None
    ) -> None:
        self.keywords: dict[str, list[Keyword]] = defaultdict(list)
        self.squeezed_keywords: dict[str, list[Keyword]] = defaultdict(list)
        self.languages = lexicon.language_facts
        self._rank = self.languages.rank
        self._keyword_hits: set[tuple[tuple[str, ...], str]] = set()
        by_first: dict[str, list[_Entry]] = defaultdict(list)  # exact entries by their first word
        prefixes: list[_Entry] = []
        for lang_key, lists in lexicon.entries.items():
            lang = None if lang_key == "*" else lang_key
            for concept, entries in lists.items():
                for entry in entries:
                    self._add(_Entry((), concept, lang, entry), by_first, prefixes)
        if keyword_order is not None:
            for table in (self.keywords, self.squeezed_keywords):
                for keywords in table.values():
                    keywords.sort(key=keyword_order)
        self._build_word_table(by_first, prefixes)
        # Number of words in the longest bare keyword.
        self.longest_keyword = max((norm.count(" ") + 1 for norm in self.keywords), default=0)
        self._strong_by_length: dict[int, list[tuple[str, list[Keyword]]]] = defaultdict(list)
        for norm, keywords in self.keywords.items():
            strong = [k for k in keywords if k.kind != "weak_opt_out"]
            if " " not in norm and len(norm) >= TYPO_MIN_LENGTH and strong:
                self._strong_by_length[len(norm)].append((norm, strong))

    def _add(self, line: _Entry, by_first: dict[str, list[_Entry]], prefixes: list[_Entry]) -> None:
        concept, lang, entry = line.concept, line.lang, line.entry
        if entry.endswith("*") and " " not in entry.strip():
            prefix = normalize_word(entry[:-1])
            if prefix:
                prefixes.append(line._replace(words=(prefix,)))
            return
        words = entry_tokens(entry)
        if not words:
            return
        if concept in (*KEYWORD_LISTS, "weak_opt_out") and lang is not None:
            norm = " ".join(words)
            keyword = Keyword(concept, lang, entry, norm)
            self.keywords[norm].append(keyword)
            self.squeezed_keywords[squeeze(norm.replace(" ", ""))].append(keyword)
            concept = {"opt_out": "kw_opt_out", "opt_in": "kw_opt_in"}.get(concept, "kw_weak")
            # One language-neutral hit per keyword: "stop" is a keyword in a dozen languages, and
            # which one the customer meant is decided from the other words (see keywords._pick).
            if (words, concept) in self._keyword_hits:
                return
            self._keyword_hits.add((words, concept))
            lang = None
        by_first[words[0]].append(_Entry(words, concept, lang, entry))

    def _build_word_table(self, by_first: dict[str, list[_Entry]], prefixes: list[_Entry]) -> None:
        """What every word means, worked out once: `find` then needs one or two dict lookups a word.

        A word the lexicon lists (as a word or as a phrase's first word) is in `_words`. Any other word
        can only match "prefix*" entries, and those are the ones matching its longest listed prefix, so
        `_by_prefix` keeps, for each prefix, what a word starting with it means. Every prefix is at
        least `_head` characters long, and `_by_prefix` is keyed by that many first characters.
        """
        self._head = min((len(line.words[0]) for line in prefixes), default=1)
        prefixes_by_head: dict[str, list[_Entry]] = defaultdict(list)  # in lexicon order
        for line in prefixes:
            prefixes_by_head[line.words[0][: self._head]].append(line)

        def prefix_entries(word: str) -> list[_Entry]:
            return [p for p in prefixes_by_head.get(word[: self._head], ()) if word.startswith(p.words[0])]

        self._words = {word: self._merged(prefix_entries(word), lines) for word, lines in by_first.items()}
        self._by_prefix: dict[str, list[tuple[str, WordEntries]]] = defaultdict(list)
        for head, lines in prefixes_by_head.items():
            for prefix in sorted({line.words[0] for line in lines}, key=len, reverse=True):
                self._by_prefix[head].append((prefix, self._merged(prefix_entries(prefix), [])))

    def _merged(self, prefix_entries: list[_Entry], exact: list[_Entry]) -> WordEntries:
        """One reading per concept (and one phrase per word sequence) with all the languages listing it.

        "me" is "self" in six lists: one reading, six languages.
        """
        singles: dict[str, _Merged] = {}
        multis: dict[tuple[tuple[str, ...], str], _Merged] = {}
        for line in prefix_entries:
            _merge(singles, line.concept, line)
        for line in exact:
            if len(line.words) == 1:
                _merge(singles, line.concept, line)
            else:
                _merge(multis, (line.words, line.concept), line)
        if not singles and not multis:
            return _NO_ENTRIES
        readings = tuple(self._reading(concept, merged) for concept, merged in singles.items())
        phrases: dict[str, list[Phrase]] = defaultdict(list)
        for (words, concept), merged in multis.items():
            phrases[words[1]].append(Phrase(words, self._reading(concept, merged)))
        return WordEntries(readings, {second: tuple(group) for second, group in phrases.items()})

    def _reading(self, concept: str, merged: _Merged) -> Reading:
        langs = tuple(sorted(merged.langs, key=self._rank))
        return Reading(concept, langs[0] if langs else None, merged.entry, langs)

    def typo_candidates(self, length: int) -> list[tuple[str, list[Keyword]]]:
        """Single-word strong keywords whose length is within one of `length`."""
        return [
            *self._strong_by_length.get(length - 1, ()),
            *self._strong_by_length.get(length, ()),
            *self._strong_by_length.get(length + 1, ()),
        ]

    def entries(self, norm: str) -> WordEntries:
        """What the lexicon says about one normalised word."""
        found = self._words.get(norm)
        return found if found is not None else self._prefix_entries(norm)

    def _prefix_entries(self, norm: str) -> WordEntries:
        """What a word the lexicon does not list means: its longest listed "prefix*", if any."""
        for prefix, entries in self._by_prefix.get(norm[: self._head], ()):  # longest prefix first
            if norm.startswith(prefix):
                return entries
        return _NO_ENTRIES

    def find(self, tokens: tuple[Token, ...]) -> list[Hit]:
        """Every reading of every word, and every phrase whose words follow one another in one clause."""
        hits: list[Hit] = []
        count = len(tokens)
        for start, token in enumerate(tokens):
            entries = self._words.get(token.norm)  # `entries`, inlined: this runs for every word
            if entries is None:
                entries = self._prefix_entries(token.norm)
            for word in entries.readings:
                hits.append(Hit(word.concept, word.lang, start, start + 1, word.entry, word.langs))
            if not entries.phrases or start + 1 == count:
                continue
            second = tokens[start + 1]
            if second.clause != token.clause:
                continue
            for phrase in entries.phrases.get(second.norm, ()):
                words = phrase.words
                end = start + len(words)
                if len(words) == 2 or (  # the third and later words follow, still in the same clause
                    end <= count
                    and tokens[end - 1].clause == token.clause
                    and all(tokens[start + k].norm == words[k] for k in range(2, len(words)))
                ):
                    reading = phrase.reading
                    hits.append(Hit(reading.concept, reading.lang, start, end, reading.entry, reading.langs))
        return hits


def _merge(table: dict[K, _Merged], key: K, line: _Entry) -> None:
    merged = table.setdefault(key, _Merged(line.entry))
    if line.lang is not None and line.lang not in merged.langs:
        merged.langs.append(line.lang)


def without_words_inside_courtesy(hits: list[Hit]) -> list[Hit]:
    """Drop the readings of single words inside a courtesy formula: "liebe" in "liebe Grüße" is no
    praise, "terima" in "terima kasih" no "receive", "na" in "band krdo na" no negation."""
    formulas = [h for h in hits if h.concept == "filler" and h.end - h.start > 1]
    if not formulas:
        return hits
    return [
        h
        for h in hits
        if h.concept == "filler"
        or not any(
            f.start <= h.start and h.end <= f.end and h.end - h.start < f.end - f.start for f in formulas
        )
    ]
