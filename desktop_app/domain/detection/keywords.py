"""Bare keywords: a message that is only "STOP" (plus politeness, emoji, stretching or a typo)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from desktop_app.domain.detection.analysis import MAX_UNKNOWN_FOR_AUTO, Analysis, Clause
from desktop_app.domain.detection.languages import Languages
from desktop_app.domain.detection.matcher import Hit, Index, Keyword
from desktop_app.domain.detection.normalize import Token, Tokenized, normalize_word, squeeze

EXACT = 0.99
WITH_FILLERS = 0.97
NOISY = 0.95  # stretched or doubled letters: "stoooop", "STOPP"
TYPO = 0.9  # a swapped, missing or extra letter ("STPO", "unsubscibe")
TYPO_REVIEW = 0.8  # one letter changed ("STIP"): may be another word, so reviewed
WEAK = 0.75
TRAILING = 0.75  # keyword closing a longer message: likely, but a human should glance at it
WITH_ASIDE = 0.9  # keyword, then only an aside about having asked before: applied
LEADING = 0.7  # keyword opening a message whose rest no rule reads: a human decides
STOP_SIGN = "🛑"
MIN_TYPO_LENGTH = 4  # shorter words have too many real neighbours ("top", "dur")
FREE_EDIT_LENGTH = 6
# Words that explain a leading "STOP," as a request rather than an exclamation.
_REASONS = (
    "not_interested",
    "reject",
    "denial",
    "annoyance",
    "angry",
    "insist",
    "who_gave",
    "too_many",
    "enough",
)
# The hits a bare keyword starts from (every language's keywords, and every form of a stop-family word).
KEYWORD_TRIGGERS = frozenset({"kw_opt_out", "kw_opt_in", "kw_weak", "stop_family"})
# Word classes that add no meaning around a bare keyword: politeness, and asides such as
# "I already asked" or "for the 3rd time".
_IGNORABLE = ("filler", "aside", "insist")
SHORT_WORD = 2  # beside an aside, words this short are its grammar ("je l'ai", "lo pedí")
# Counts and ordinals ("3", "3rd", "2nd", "3e", "3.") say how often they asked, not what.
_COUNT_RE = re.compile(r"\d+(?:st|nd|rd|th|e|eme|er|te|ten|º|ª|x)?")
FAMILY = 0.96  # a stop-family word in a form the keyword lists lack ("Abbestellung", "desinscríbanme")
FAMILY_REVIEW = 0.8  # ... ending like a report ("cancelled", "abgemeldet") or a longer compound word
# A short stem with a longer tail is another word ("stop" + "over"); long stems inflect
# ("desinscri" + "banme", "abmeld" + "ungen").
SHORT_STEM = 4
COMPOUND_REST = 3
_RANK = {"opt_out": 0, "opt_in": 1, "weak_opt_out": 2}
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)  # from this length any single edit is a typo; below it only a swap


class KeywordMatch(NamedTuple):
    kind: str  # "opt_out" | "opt_in" | "weak_opt_out"
    lang: str | None
    entry: str
    confidence: float
    question: bool
    spans: tuple[tuple[int, int], ...]
    variant: str = ""  # "", "noisy" or "typo"


def _ignorable_positions(hits: list[Hit]) -> set[int]:
    """Token positions covered by politeness, asides and insisting words (`_IGNORABLE`)."""
    return {i for h in hits if h.concept in _IGNORABLE for i in range(h.start, h.end)}


def _edit_distance_at_most_one(a: str, b: str, swaps_only: bool) -> bool:
    """Optimal-string-alignment distance <= 1 (an adjacent swap counts as one edit)."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i = diffs[0]
            return a[i] == b[i + 1] and a[i + 1] == b[i]
        return len(diffs) == 1 and not swaps_only
    if swaps_only or abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


class _View(NamedTuple):
    """What keyword matching needs: tokens, question clauses and the lexicon hits."""

    tokens: tuple[Token, ...]
    questions: frozenset[int]
    hits: list[Hit]


def _pick(keywords: list[Keyword], view: _View) -> Keyword:
    """The reading whose language has the most other words in the message; ties go to the
    strongest kind and the most common language (the index keeps `keywords` in that order)."""
    if len(keywords) == 1:
        return keywords[0]
    votes: dict[str, int] = {}
    for hit in view.hits:
        if hit.concept == "stop_family":
            continue
        for lang in hit.langs:
            votes[lang] = votes.get(lang, 0) + 1
    best, best_votes = keywords[0], votes.get(keywords[0].lang, 0)
    for keyword in keywords:
        count = votes.get(keyword.lang, 0)
        if count > best_votes:
            best, best_votes = keyword, count
    return best


def keyword_order(languages: Languages) -> Callable[[Keyword], tuple[int, int]]:
    """Static preference between readings of the same keyword: kind first, then language."""

    def order(keyword: Keyword) -> tuple[int, int]:
        return _RANK[keyword.kind], languages.rank(keyword.lang)

    return order


def match_bare_keyword(
    tokenized: Tokenized, hits: list[Hit], index: Index, concepts: set[str] | None = None
) -> KeywordMatch | None:
    """The whole message is one keyword, give or take politeness, emoji and noise."""
    tokens = tokenized.tokens
    words = [i for i, t in enumerate(tokens) if not t.emoji]
    if not words:
        if any(t.norm == STOP_SIGN for t in tokens):
            spans = tuple((t.start, t.end) for t in tokens if t.norm == STOP_SIGN)
            return KeywordMatch("weak_opt_out", None, STOP_SIGN, WEAK, False, spans, "emoji")
        return None
    if concepts is None:
        concepts = {h[0] for h in hits}
    if "filler" in concepts or "aside" in concepts or "insist" in concepts:
        fillers = _ignorable_positions(hits)
        content = [i for i in words if i not in fillers]
        if len(content) > 1 and ("aside" in concepts or "insist" in concepts):
            content = [i for i in content if len(tokens[i].norm) > SHORT_WORD]
    else:
        content = words
    if len(content) > 1 and KEYWORD_TRIGGERS.isdisjoint(concepts):
        return None  # several words and none of them starts a keyword
    longest = index.longest_keyword
    if 1 < len(content) <= longest + 3 and any(tokens[i].norm[:1].isdigit() for i in content):
        content = [i for i in content if not _COUNT_RE.fullmatch(tokens[i].norm)]
    if len(content) > longest and len({tokens[i].norm for i in content}) > longest:
        return None  # too long to be a keyword, even a repeated one
    view = _View(tokens, tokenized.questions, hits)
    full = " ".join(tokens[i].norm for i in words)
    found = _lookup(full, words, EXACT, "", view, index)
    if found is None and content:
        text = " ".join(tokens[i].norm for i in content)
        found = _lookup(text, content, WITH_FILLERS, "", view, index)
        if found is None:
            found = _repeated(content, view, index)
        if found is None:
            found = _lookup_squeezed(text, content, view, index)
        if found is None and len(content) == 1:
            found = _typo(content[0], view, index)
        if found is None and "stop_family" in concepts:
            found = _family(content, view, index)
        if (found is None or found.kind == "weak_opt_out") and len(content) < len(words) <= longest + 2:
            # "band karo bhai": a filler that is also part of a keyword ("karo") must not weaken it
            found = _with_edge_fillers(words, view, index) or found
    return found


def _with_edge_fillers(words: list[int], view: _View, index: Index) -> KeywordMatch | None:
    """The longest run of the words, dropping only fillers at either end, that is a strong keyword."""
    fillers = _ignorable_positions(view.hits)
    first = 0
    while first < len(words) and words[first] in fillers:
        first += 1
    last = len(words)
    while last > first and words[last - 1] in fillers:
        last -= 1
    tokens = view.tokens
    for size in range(len(words), last - first - 1, -1):
        for start in range(0, first + 1):
            end = start + size
            if end < last or end > len(words):
                continue
            run = words[start:end]
            found = _lookup(" ".join(tokens[i].norm for i in run), run, WITH_FILLERS, "", view, index)
            if found is not None and found.kind != "weak_opt_out":
                return found
    return None


def _family(content: list[int], view: _View, index: Index) -> KeywordMatch | None:
    """ "Aufhören bitte", "désinscription", "descadastramento": one stop-family word, said once or more."""
    tokens = view.tokens
    vague = {h.start for h in view.hits if h.concept == "vague_object"}
    content = [i for i in content if i not in vague] or content  # "Stoppt das bitte"
    if len({tokens[i].norm for i in content}) != 1:
        return None
    position = content[0]
    listed = [k for k in index.keywords.get(tokens[position].norm, ()) if k.kind == "opt_out"]
    if listed:  # "cancel this", "Stoppt das bitte": a listed keyword with a vague object
        return _result(listed, content, WITH_FILLERS, "", view)
    for hit in view.hits:
        if hit.concept == "stop_family" and hit.start == position and hit.end == position + 1:
            spans = tuple((tokens[i].start, tokens[i].end) for i in content)
            question = any(tokens[i].clause in view.questions for i in content)
            norm = tokens[position].norm
            stem = normalize_word(hit.entry.rstrip("*"))
            # "Cancelled 👍" may confirm an order; "stopwatch" is another word: reviewed, not applied.
            compound = len(stem) <= SHORT_STEM and len(norm) - len(stem) >= COMPOUND_REST
            reported = index.languages.reports(norm, hit.langs) or compound
            confidence = FAMILY_REVIEW if reported else FAMILY
            return KeywordMatch("opt_out", hit.lang, norm, confidence, question, spans, "family")
    return None


def _result(
    keywords: list[Keyword], positions: list[int], confidence: float, variant: str, view: _View
) -> KeywordMatch:
    keyword = _pick(keywords, view)
    tokens = view.tokens
    spans = tuple((tokens[i].start, tokens[i].end) for i in positions)
    if keyword.kind == "weak_opt_out":
        confidence = min(confidence, WEAK)
    question = any(tokens[i].clause in view.questions for i in positions)
    return KeywordMatch(keyword.kind, keyword.lang, keyword.entry, confidence, question, spans, variant)


def _lookup(
    text: str, positions: list[int], confidence: float, variant: str, view: _View, index: Index
) -> KeywordMatch | None:
    keywords = index.keywords.get(text)
    return _result(keywords, positions, confidence, variant, view) if keywords else None


def _repeated(content: list[int], view: _View, index: Index) -> KeywordMatch | None:
    """ "stop stop", "stop stop stop": the same keyword said more than once."""
    norms = [view.tokens[i].norm for i in content]
    for size in range(1, len(norms) // 2 + 1):
        if len(norms) % size == 0 and norms == norms[:size] * (len(norms) // size):
            return _lookup(" ".join(norms[:size]), content, WITH_FILLERS, "", view, index)
    return None


def _lookup_squeezed(text: str, content: list[int], view: _View, index: Index) -> KeywordMatch | None:
    keywords = index.squeezed_keywords.get(squeeze(text.replace(" ", "")))
    return _result(keywords, content, NOISY, "noisy", view) if keywords else None


def _typo(position: int, view: _View, index: Index) -> KeywordMatch | None:
    word = view.tokens[position].norm.translate(_LEET)
    if len(word) < MIN_TYPO_LENGTH or any(
        h.start <= position < h.end and h.concept != "stop_family" for h in view.hits
    ):
        return None
    for norm, strong in index.typo_candidates(len(word)):
        if _edit_distance_at_most_one(word, norm, swaps_only=len(norm) < FREE_EDIT_LENGTH):
            # One changed letter can make another word ("remote", "anmelden"): review. A swapped, missing
            # or doubled letter ("STPO", "unsubscibe") is a typo of the keyword: exact.
            changed = len(word) == len(norm) and sorted(word) != sorted(norm)
            return _result(strong, [position], TYPO_REVIEW if changed else TYPO, "typo", view)
    return None


def match_trailing_keyword(analysis: Analysis, index: Index) -> KeywordMatch | None:
    """A bare opt-out keyword as its own clause at either end of a longer message.

    Last: "who gave you my number? STOP". First, with a reason after it: "Stop please, I'm not
    interested anymore" (but not "Stop! That dress is gorgeous"), or with only an aside about asking
    before ("STOPP. Hab ich schon zweimal geschrieben", applied when every word is known). Otherwise a
    keyword opening the message goes to review (`_leading_keyword`).
    """
    if analysis.has("service_noun", "question_mechanics", "positive"):
        return None
    found = None
    if len(analysis.clauses) >= 2:
        found = _clause_keyword(analysis, analysis.clauses[-1], index)
        if found is None and _only_asides_after(analysis):
            found = _clause_keyword(analysis, analysis.clauses[0], index)
            if found is not None and analysis.unknown_words() <= MAX_UNKNOWN_FOR_AUTO:
                # "STOP. I asked last week too": the rest only says they asked before
                found = found._replace(confidence=WITH_ASIDE, variant="aside")
        if found is None and analysis.has(*_REASONS):
            found = _clause_keyword(analysis, analysis.clauses[0], index)
    return found or _leading_keyword(analysis, index)


# Anything of these after "STOP." changes what it means: the rest is about something else.
_CHANGES_MEANING = (
    "trap",
    "service_noun",
    "other_channel",
    "positive",
    "laugh",
    "mistake",
    "keep_on",
    "come_back",
    "kw_opt_in",
    "negation",
    "hypothetical",
)
AFTER_WORDS = 8


def _leading_keyword(analysis: Analysis, index: Index) -> KeywordMatch | None:
    """A keyword opening a longer message whose rest no rule reads: "STOP!!! vaya tela con ustedes",
    "Cancel 👋 cheers love", "stop stop stop ba2a ya gama3a". Reviewed, never applied: the rest may
    still change what it means."""
    if _overruled_in_its_language(analysis):
        return None
    tokens = analysis.tokens
    opening = _opening(tokens)
    if not opening or opening[-1] == len(tokens) - 1:
        return None  # no rest: the bare-keyword rules already read it
    if any(c.question for c in analysis.clauses) and not analysis.has(*_REASONS):
        return None  # "stop, when does the sale end?"
    fillers = _ignorable_positions(analysis.hits)
    content = [i for i in opening if i not in fillers]
    if not content or content[0] != opening[0]:
        return None  # "ok stop, I understand now": a word before it makes it an exclamation
    view = _View(tokens, analysis.questions, analysis.hits)
    norms = [tokens[i].norm for i in content]
    said = _said_over_and_over(norms)
    for words in [norms, said] if said else [norms]:
        keywords = [k for k in index.keywords.get(" ".join(words), ()) if k.kind != "opt_in"]
        if keywords:
            return _result(keywords, content, LEADING, "leading", view)
    return None


def _overruled_in_its_language(analysis: Analysis) -> bool:
    """A word that changes the meaning, read in the message's language: Arabizi "la" (no) is not a
    negation in "STOP!!! es la tercera vez"."""
    if not analysis.has(*_CHANGES_MEANING):
        return False
    language = analysis.language()
    return any(
        not hit.langs or language is None or language in hit.langs
        for name in _CHANGES_MEANING
        for hit in analysis.get(name)
    )


def _opening(tokens: tuple[Token, ...]) -> list[int]:
    """The words before the first emoji or punctuation mark (stop stop stop words run on to the end)."""
    opening: list[int] = []
    for i, token in enumerate(tokens):
        if token.emoji or token.clause != tokens[0].clause:
            break
        opening.append(i)
    return opening


def _said_over_and_over(norms: list[str]) -> list[str]:
    """ "stop stop stop ba2a" -> ["stop"]: a word said at least twice at the start, the rest aside."""
    if len(norms) >= 2 and norms[0] == norms[1]:
        return norms[:1]
    return []


def _only_asides_after(analysis: Analysis) -> bool:
    """ "STOPP. Hab ich schon zweimal geschrieben", "STOP, thanks for understanding": an aside follows."""
    if analysis.has(*_CHANGES_MEANING) or any(c.question for c in analysis.clauses):
        return False
    rest = analysis.clauses[0].end
    words = [t for t in analysis.tokens[rest:] if not t.emoji]
    if not words or len(words) > AFTER_WORDS:
        return False
    fillers = {h.start for h in analysis.get("filler")}  # "now", "already": too common to count
    return any(
        h.start >= rest and h.start not in fillers for name in ("aside", "insist") for h in analysis.get(name)
    )


def _clause_keyword(analysis: Analysis, clause: Clause, index: Index) -> KeywordMatch | None:
    fillers = {i for h in clause.get("filler") for i in range(h.start, h.end)}
    content = [
        i for i in range(clause.start, clause.end) if i not in fillers and not analysis.tokens[i].emoji
    ]
    if not content or clause.question:
        return None
    norms = " ".join(analysis.tokens[i].norm for i in content)
    keywords = [k for k in index.keywords.get(norms, []) if k.kind == "opt_out"]
    if not keywords:
        return None
    view = _View(analysis.tokens, analysis.questions, analysis.hits)
    return _result(keywords, content, TRAILING, "trailing", view)
