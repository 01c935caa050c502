"""What the detector knows about each language, read from the `facts` of its lexicon file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import regex  # type: ignore[import-untyped]  # the regex package ships no type stubs

LATIN = "Latin"
UNRANKED = 99  # a language without a priority comes after every ranked one


@dataclass(frozen=True, slots=True)
class LanguageFacts:
    """One language's grammar and writing facts, as declared in `resources/lexicon/<lang>.json`."""

    code: str
    priority: int = UNRANKED  # tie-breaker when words read the same in several languages (1 = first)
    script: str = LATIN  # Unicode script name; a non-Latin one names the language of a message without words
    free_word_order: bool = False  # the object may come before the verb ("Werbung stoppen")
    separable_verbs: bool = False  # a negation may sit inside the verb ("hört nie auf")
    # Endings of a stop word that report rather than ask ("cancelled", "abgemeldet", "désabonné"): a bare
    # form with one of them is reviewed, not applied.
    reported_endings: tuple[str, ...] = ()

    @classmethod
    def parse(cls, code: str, data: object, where: str) -> LanguageFacts:
        if data is None:
            return cls(code)
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}: 'facts' must be an object")
        unknown = set(data) - {"priority", "script", "free_word_order", "separable_verbs", "reported_endings"}
        if unknown:
            raise ValueError(f"{where}: unknown facts {sorted(unknown)}")
        priority, script = data.get("priority", UNRANKED), data.get("script", LATIN)
        flags = {name: data.get(name, False) for name in ("free_word_order", "separable_verbs")}
        if not isinstance(priority, int) or not isinstance(script, str):
            raise ValueError(f"{where}: 'priority' must be a whole number and 'script' a script name")
        if not all(isinstance(value, bool) for value in flags.values()):
            raise ValueError(f"{where}: 'free_word_order' and 'separable_verbs' must be true or false")
        try:
            regex.compile(rf"\p{{Script={script}}}")
        except regex.error as exc:
            raise ValueError(f"{where}: unknown script {script!r}") from exc
        endings = data.get("reported_endings", [])
        if not isinstance(endings, list) or not all(isinstance(e, str) and e for e in endings):
            raise ValueError(f"{where}: 'reported_endings' must be a list of word endings")
        return cls(code, priority, script, **flags, reported_endings=tuple(endings))


class Languages:
    """The facts of every language in a lexicon, in the shapes the rules ask for."""

    def __init__(self, facts: Iterable[LanguageFacts]) -> None:
        ranked = sorted(facts, key=lambda f: (f.priority, f.code))
        self.facts = {f.code: f for f in ranked}
        self._rank = {f.code: i for i, f in enumerate(ranked)}
        self.free_word_order = frozenset(f.code for f in ranked if f.free_word_order)
        self.separable_verbs = frozenset(f.code for f in ranked if f.separable_verbs)
        # The first-ranked language of each non-Latin script names a message written in it.
        by_script: dict[str, str] = {}
        for f in ranked:
            if f.script != LATIN:
                by_script.setdefault(f.script, f.code)
        self._script_langs = list(by_script.values())
        pattern = "|".join(rf"(\p{{Script={script}}})" for script in by_script)
        self._script_re = regex.compile(pattern) if pattern else None

    def reports(self, word: str, langs: Iterable[str]) -> bool:
        """True when `word` ends like a report in one of `langs` ("cancelled", "abgemeldet")."""
        return any(
            word.endswith(ending)
            for lang in langs
            for ending in getattr(self.facts.get(lang), "reported_endings", ())
        )

    def rank(self, lang: str | None) -> int:
        """Lower first; unknown languages last."""
        return self._rank.get(lang, len(self._rank)) if lang is not None else len(self._rank)

    def by_script(self, text: str) -> str | None:
        """The language of the first letter in a non-Latin script ("ar" for Arabic letters), if any."""
        if self._script_re is None:
            return None
        found = self._script_re.search(text)
        return self._script_langs[found.lastindex - 1] if found and found.lastindex else None
