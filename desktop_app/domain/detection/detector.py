"""The detector: bare keywords, platform buttons and sentence rules combined into one verdict."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import regex  # type: ignore[import-untyped]  # the regex package ships no type stubs

from desktop_app.domain.detection.analysis import MAX_UNKNOWN_FOR_AUTO, Analysis, late_clock_times
from desktop_app.domain.detection.buttons import ButtonTable
from desktop_app.domain.detection.corrections import (
    CORRECTION_TRIGGERS,
    blocks_auto_opt_out,
    correction,
    kept_after_stop,
    not_a_request,
    rejoin,
    stay_comes_last,
)
from desktop_app.domain.detection.explain import explain
from desktop_app.domain.detection.keywords import (
    KEYWORD_TRIGGERS,
    STOP_SIGN,
    TRAILING,
    KeywordMatch,
    keyword_order,
    match_bare_keyword,
    match_trailing_keyword,
)
from desktop_app.domain.detection.languages import Languages
from desktop_app.domain.detection.lexicon import Lexicon
from desktop_app.domain.detection.matcher import Hit, Index, without_words_inside_courtesy
from desktop_app.domain.detection.normalize import Tokenized, tokenize
from desktop_app.domain.detection.review_rules import ASKS_HOW, REVIEW_TRIGGERS, review_candidates
from desktop_app.domain.detection.rules import CLAUSE_TRIGGERS, LIKELY, Candidate, clause_candidates
from desktop_app.domain.detection.second_opinion import SecondOpinion, model_text
from desktop_app.domain.model import ALL, MARKETING, NO_VERDICT, EventSource, Verdict, VerdictKind

AUTO_THRESHOLD = 0.85
DEFAULT_CACHE_SIZE = 4096
_NOTHING = explain(VerdictKind.NONE, None, "none")
# Word classes that can start a rule, as each family of rules declares them; a message with none of
# them is answered "none" at once (or handed to the second opinion).
TRIGGER_CONCEPTS = KEYWORD_TRIGGERS | CLAUSE_TRIGGERS | REVIEW_TRIGGERS | CORRECTION_TRIGGERS
QUESTION_PENALTY = 0.1
LONG_MESSAGE = 300  # longer messages are never applied unattended
_DIGIT = re.compile(r"\d")  # a clock time may be in the message
BUTTON_FLOOR = 0.95  # a tapped reply button is deliberate even when it is not Meta's own
_SLUG_RE = regex.compile(r"[^\p{L}\p{M}\p{N}]+")  # "शुरू" stays whole, vowel signs included


def _slug(text: str) -> str:
    return _SLUG_RE.sub("_", text.casefold()).strip("_") or "keyword"


def _keyword_rule(match: KeywordMatch) -> str:
    rule = f"keyword:{match.lang or 'any'}:{_slug(match.entry)}"
    return f"{rule}:{match.variant}" if match.variant else rule


def _nothing_to_find(tokenized: Tokenized, hits: list[Hit], concepts: set[str]) -> bool:
    """True when no rule can fire: no trigger word, and not a lone word that could be a typo."""
    if not TRIGGER_CONCEPTS.isdisjoint(concepts):
        return False
    if any(token.norm == STOP_SIGN for token in tokenized.tokens):
        return False
    fillers = {i for hit in hits if hit.concept == "filler" for i in range(hit.start, hit.end)}
    words = [i for i, token in enumerate(tokenized.tokens) if not token.emoji and i not in fillers]
    return len(words) != 1


def _main_language(hits: list[Hit], text: str, languages: Languages) -> str | None:
    votes: dict[str, int] = {}
    for hit in hits:
        if hit.concept == "stop_family":
            continue
        for lang in hit.langs:
            votes[lang] = votes.get(lang, 0) + 1
    if not votes:
        return languages.by_script(text)
    rank = languages.rank
    return max(votes, key=lambda lang: (votes[lang], -rank(lang)))


def _keyword_verdict(match: KeywordMatch, short: bool) -> Verdict:
    kind = VerdictKind.OPT_IN if match.kind == "opt_in" else VerdictKind.OPT_OUT
    confidence = match.confidence - (QUESTION_PENALTY * 2 if match.question else 0.0)
    auto = match.kind != "weak_opt_out" and not match.question and confidence >= AUTO_THRESHOLD and short
    return Verdict(
        kind=kind,
        scope="all",
        confidence=round(confidence, 3),
        auto=auto,
        language=match.lang,
        rule=_keyword_rule(match),
        explanation=explain(kind, "all", match.variant or "keyword", match.entry, match.question),
        spans=match.spans,
        source=EventSource.KEYWORD,
    )


def _none_verdict(language: str | None) -> Verdict:
    return Verdict(VerdictKind.NONE, None, 0.0, False, language, "none", _NOTHING)


def _guarded(analysis: Analysis, verdict: Verdict) -> Verdict:
    """An automatic opt-out is withheld when the message also wants the messages, names another
    channel or asks how opting out works, or stops everything while naming an order, a booking or an
    address ("STOP! don't send it, the address is wrong"): a human looks first. ("Only my order
    updates, no promos" names the order it keeps and stays automatic.)"""
    if verdict.kind is not VerdictKind.OPT_OUT or not verdict.auto:
        return verdict
    about_a_service = verdict.scope == ALL and analysis.has("service_noun")
    if blocks_auto_opt_out(analysis) or about_a_service:
        return replace(verdict, auto=False)
    return verdict


class Detector:
    """Pure and immutable once built; `classify` is safe to call from any thread."""

    def __init__(
        self,
        lexicon: Lexicon,
        cache_size: int = DEFAULT_CACHE_SIZE,
        second_opinion: SecondOpinion | None = None,
    ) -> None:
        """`second_opinion`: a loaded model that may raise what the rules answer "none" to review."""
        self.lexicon = lexicon
        self.second_opinion = second_opinion
        self._languages = lexicon.language_facts
        self._index = Index(lexicon, keyword_order(self._languages))
        self._buttons = ButtonTable(lexicon)
        # Verdicts are immutable and depend only on the text, so repeated replies ("STOP", "ok")
        # are answered from a bounded cache; cache_size=0 measures the detector itself.
        self._classify_cached = lru_cache(maxsize=cache_size)(self._classify_text) if cache_size else None

    def classify(
        self, text: str | None, button_payload: str | None = None, button_text: str | None = None
    ) -> Verdict:
        if button_payload or button_text:
            return self._classify_button(text, button_payload, button_text)
        if self._classify_cached is not None and text and len(text) <= LONG_MESSAGE:
            return self._classify_cached(text)
        return self._classify_text(text or "")

    def _classify_button(self, text: str | None, payload: str | None, label: str | None) -> Verdict:
        exact = self._buttons.match(payload, label)
        if exact is not None:
            kind, shown = exact
            return Verdict(
                kind=kind,
                scope=MARKETING,
                confidence=1.0,
                auto=True,
                language=self._buttons.language(label or payload or ""),
                rule="button:stop_promotions" if kind is VerdictKind.OPT_OUT else "button:resume_promotions",
                explanation=explain(kind, MARKETING, "button", shown),
                spans=((0, len(text)),) if text and label and text.strip() == label.strip() else (),
                source=EventSource.BUTTON,
            )
        shown_text = label or text or payload or ""
        verdict = self._classify_text(shown_text)
        if not verdict.is_request:
            return verdict
        confidence = max(verdict.confidence, BUTTON_FLOOR)
        return Verdict(
            kind=verdict.kind,
            scope=verdict.scope,
            confidence=confidence,
            auto=True,
            language=verdict.language,
            rule=f"button_text:{verdict.rule}",
            explanation=verdict.explanation,
            spans=verdict.spans if shown_text == text else (),
            source=EventSource.BUTTON,
        )

    def _classify_text(self, text: str) -> Verdict:
        if not text.strip():
            return NO_VERDICT
        tokenized = tokenize(text)
        hits = self._hits(text, tokenized)
        concepts = {hit.concept for hit in hits}
        if _nothing_to_find(tokenized, hits, concepts):
            return self._nothing(tokenized, hits, concepts, _main_language(hits, text, self._languages))
        bare = match_bare_keyword(tokenized, hits, self._index, concepts)
        if bare is not None:
            return self._keyword_verdict(bare, len(text))
        analysis = Analysis(text, tokenized, hits, self._languages, concepts)
        label = self._buttons.match_words(" ".join([t.norm for t in analysis.tokens if not t.emoji]))
        if label is not None:
            return self._label_verdict(analysis, *label)
        fixed = correction(analysis) or kept_after_stop(analysis)
        if fixed is not None:
            return self._phrase_verdict(analysis, fixed, review_only=True)
        candidates = [*clause_candidates(analysis), *review_candidates(analysis)]
        if "block" in concepts:  # "send one more promo and I block you": never a request for more
            candidates = [c for c in candidates if c.kind is not VerdictKind.OPT_IN]
        if "keep_on" in concepts or "come_back" in concepts:
            # "no more deals please, I still want the grooming reminders": what they keep is the rest
            stays = {i for h in analysis.get("keep_on") for i in range(h.start, h.end)}
            asks = any(
                c.kind is VerdictKind.OPT_OUT
                and c.confidence >= LIKELY
                and (c.scope == MARKETING or not stay_comes_last(analysis, c.hits))
                # "beni listeden çıkarmayın": "beni listeden" is part of the refusal, not a request
                and not any(stays.intersection(range(h.start, h.end)) for h in c.hits)
                for c in candidates
            )
            fixed = rejoin(analysis, asks)
            if fixed is not None:
                return self._phrase_verdict(analysis, fixed, review_only=True)
        if candidates and not_a_request(analysis):
            # A question about opting out is no request, unless it asks to leave *these* messages.
            candidates = [c for c in candidates if c.kind is not VerdictKind.OPT_OUT or c.rule == ASKS_HOW]
            if not candidates:
                return _none_verdict(analysis.language())
        if not any(c.confidence >= TRAILING for c in candidates) and not not_a_request(analysis):
            trailing = match_trailing_keyword(analysis, self._index)
            if trailing is not None:
                return _guarded(analysis, self._keyword_verdict(trailing, len(text)))
        if not candidates:
            if analysis.mentions:  # 'the "unsubscribe" button in your email is broken': no request
                return _none_verdict(analysis.language())
            return self._nothing(tokenized, hits, concepts, analysis.language())
        best = max(
            candidates,
            key=lambda c: (c.confidence - QUESTION_PENALTY * c.question, c.kind is VerdictKind.OPT_OUT),
        )
        return _guarded(analysis, self._phrase_verdict(analysis, best))

    def _hits(self, text: str, tokenized: Tokenized) -> list[Hit]:
        """The lexicon's words in the message, plus clock times at night (no list holds those)."""
        hits = without_words_inside_courtesy(self._index.find(tokenized.tokens))
        if _DIGIT.search(text):
            hits.extend(late_clock_times(tokenized.tokens))
        return hits

    def _nothing(
        self, tokenized: Tokenized, hits: list[Hit], concepts: set[str], language: str | None
    ) -> Verdict:
        """No rule fired: "none", unless the second opinion reads a request for review."""
        if self.second_opinion is not None:
            raised = self.second_opinion.review(
                tokenized.tokens, hits, concepts, bool(tokenized.questions), language
            )
            if raised is not None:
                return raised
        return _none_verdict(language)

    def model_input(self, text: str) -> str:
        """The line the second opinion reads for `text` (the training script uses the same)."""
        tokenized = tokenize(text)
        concepts = {hit.concept for hit in self._hits(text, tokenized)}
        return model_text(tokenized.tokens, concepts, bool(tokenized.questions))

    def _label_verdict(self, analysis: Analysis, kind: VerdictKind, shown: str) -> Verdict:
        """A typed message that reads exactly like a platform button ("Stop promotions")."""
        return Verdict(
            kind=kind,
            scope=MARKETING,
            confidence=0.97,
            auto=True,
            language=analysis.language(),
            rule=f"phrase:{analysis.language() or 'any'}:{_slug(shown)}",
            explanation=explain(kind, MARKETING, "phrase"),
            spans=((0, len(analysis.text)),),
            source=EventSource.PHRASE,
        )

    def _keyword_verdict(self, match: KeywordMatch, length: int) -> Verdict:
        return _keyword_verdict(match, length <= LONG_MESSAGE)

    def _phrase_verdict(self, analysis: Analysis, best: Candidate, review_only: bool = False) -> Verdict:
        confidence = best.confidence - (QUESTION_PENALTY if best.question else 0.0)
        language = analysis.language(best.hits)
        auto = (
            confidence >= AUTO_THRESHOLD
            and len(analysis.text) <= LONG_MESSAGE
            and not review_only
            and analysis.unknown_words() <= MAX_UNKNOWN_FOR_AUTO
        )
        return Verdict(
            kind=best.kind,
            scope=best.scope,
            confidence=round(confidence, 3),
            auto=auto,
            language=language,
            rule=f"phrase:{language or 'any'}:{best.rule}",
            explanation=explain(best.kind, best.scope, best.rule, question=best.question),
            spans=analysis.span(*best.hits),
            source=EventSource.PHRASE,
        )
