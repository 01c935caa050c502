"""A message's tokens and lexicon hits grouped by clause, with the small queries rules ask."""

from __future__ import annotations

import re

from desktop_app.domain.detection.languages import Languages
from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.detection.normalize import Token, Tokenized

NOUNS = ("message_noun", "marketing_noun", "list_noun")
FUNCTION_WORD = 3  # unknown words this short are "to", "de", "me", "zu": grammar, not content
# Unknown content words a sentence may hold and still be applied unattended (a name, a shop item).
MAX_UNKNOWN_FOR_AUTO = 1
# How far (in tokens) a negation may sit before / after the word it negates.
NEG_BEFORE = 3
NEG_AFTER = 2
# Word classes shared by many languages' lists that must not decide which language a message is in
# ("stop*" is a stop-family word in a dozen of them).
NO_VOTE = frozenset({"stop_family"})
# Grammar words (and short words) of a language with no other word in the message are stray readings:
# "la" is "no" in Arabizi, but in a Spanish sentence it is the article.
_GRAMMAR = frozenset({"negation", "negation_after", "self", "vague_object", "more"})
SHORT_ENTRY = 3  # "wa" (WhatsApp in Indonesian) is "of" in Swahili: short words are the ambiguous ones
STRAY_MAIN = 3  # the main language must cover this many words before a lone reading is dropped
# Readings a trap never hides: "beni çıkarmayın" is a trap for the stop word and a wish to stay.
_UNTRAPPED = frozenset({"trap", "keep_on", "mistake"})
# A stop word in quotation marks with words around it is mentioned, not used: "the «отписаться» link
# doesn't work", 'my neighbour said "send BAJA"' (unless they insist: 'I said "STOP" twice').
_QUOTE_CHARS = frozenset('"“”„«»‹›')
_QUOTED_RE = re.compile(r'["“„«‹]([^"“”„«»‹›]{1,60})["”“»›]')
MENTION_CONTEXT = 3  # words outside the quotation from which the quoted word is only mentioned
_MENTIONABLE = frozenset(
    {
        "kw_opt_out",
        "kw_weak",
        "kw_opt_in",
        "stop_family",
        "stop_verb",
        "unsubscribe_verb",
        "remove_self",
        "remove_verb",
        "resume_verb",
        "start_verb",
        "subscribe_verb",
        "send_verb",
    }
)
_VAGUE_AFTER = ("self", "self_number", "vague_object", "filler", "more", "again", "negation_after")
# A clause is (punctuation clause, part after each "but"): "stop the promos, but keep receipts" is
# (0, 0), (1, 1). Later clauses compare greater.
ClauseId = tuple[int, int]
_SPLIT_VERBS = frozenset({"stop_verb", "unsubscribe_verb", "stop_family"})


# A clock time: "6am", "23h", "5:30", or a bare hour after "at"/"um"/"alle"/"saa" or before "uhr"/"बजे".
_CLOCK_RE = re.compile(r"(\d{1,2})(?:[:.h](\d\d))?(am|pm|h|uhr|hrs)?")
_BEFORE_AN_HOUR = frozenset(
    {"at", "um", "alle", "las", "a", "à", "às", "as", "saa", "jam", "pukul", "в", "o", "saat", "om", "ore"}
)
_AFTER_AN_HOUR = frozenset(
    {"am", "pm", "uhr", "h", "baje", "बजे", "oclock", "hrs", "uur", "godz", "утра", "ночи"}
)
_LATE_HOURS = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 22, 23})  # 12 only as "12am": "saa 12 asubuhi" is 6am


def late_clock_times(tokens: tuple[Token, ...]) -> list[Hit]:
    """Clock times at night or at dawn, as `late_hour` hits ("6am?? a bookshop texting me at 6am",
    "sonntag morgens um 7 werbung"): every language writes them with digits, so no list holds them."""
    found: list[Hit] = []
    for i, token in enumerate(tokens):
        match = _CLOCK_RE.fullmatch(token.norm)
        if match is None:
            continue
        before = tokens[i - 1].norm if i else ""
        after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
        suffix = match.group(3) or (after if after in ("am", "pm") else None)
        if (
            suffix is None
            and match.group(2) is None
            and before not in _BEFORE_AN_HOUR
            and after not in _AFTER_AN_HOUR
        ):
            continue  # "3 msgs today", "2 kilo": a count, not a time
        hour = int(match.group(1))
        if suffix == "pm" and hour < 12:
            hour += 12
        if hour in _LATE_HOURS or (hour == 12 and suffix == "am"):
            found.append(Hit("late_hour", None, i, i + 1, token.norm))
    return found


DENIED_SERVICE_GAP = 3  # "not (about) (the) order": a negation this close before the service noun


def _without_denied_services(hits: list[Hit]) -> list[Hit]:
    """ "c'est pas la commande que j'annule, c'est les messages", "nicht die Bestellung, die Nachrichten
    stornieren": a service the customer says it is *not* about does not make the request about it."""
    negations = [h.end for h in hits if h.concept == "negation"]
    return [
        h
        for h in hits
        if h.concept != "service_noun"
        or not any(0 <= h.start - end < DENIED_SERVICE_GAP for end in negations)
    ]


class Clause:
    """A stretch of the message between punctuation (or a "but"), with the lexicon hits inside it."""

    __slots__ = ("end", "hits", "index", "question", "separable", "soft", "start")

    def __init__(
        self,
        index: ClauseId,
        start: int,
        end: int,
        question: bool,
        soft: bool = False,
        separable: frozenset[str] = frozenset(),
    ) -> None:
        """`separable`: languages whose verbs may hold their negation ("hört nie auf", "hou niet op")."""
        self.separable = separable
        self.index = index
        self.start = start  # token range [start, end)
        self.end = end
        self.question = question
        self.soft = soft  # follows the previous clause after only a comma
        self.hits: dict[str, list[Hit]] = {}

    def get(self, concept: str) -> list[Hit]:
        return self.hits.get(concept, [])

    def has(self, *concepts: str) -> bool:
        return not self.hits.keys().isdisjoint(concepts)  # only concepts with hits are keys

    def nouns(self) -> list[Hit]:
        return [h for c in NOUNS for h in self.hits.get(c, ())]

    def negated(self, hit: Hit) -> Hit | None:
        """The negation governing `hit`, if any ("don't stop", "band mat karo")."""
        for neg in self.get("negation"):
            if neg.end <= hit.start and hit.start - neg.end <= NEG_BEFORE:
                return neg
        for neg in self.get("negation_after"):
            if neg.start >= hit.end and neg.start - hit.end <= NEG_AFTER:
                return neg
        for neg in self.get("negation"):
            if neg.start == hit.end and hit.concept in _SPLIT_VERBS and neg.lang in self.separable:
                return neg  # "hört nie auf": the negation inside a separable verb
        return None

    def between(self, concept: str, left: Hit, right: Hit) -> bool:
        lo, hi = min(left.end, right.end), max(left.start, right.start)
        return any(lo <= h.start and h.end <= hi for h in self.get(concept))


class Analysis:
    """Everything the rules need about one message, computed once."""

    def __init__(
        self,
        text: str,
        tokenized: Tokenized,
        hits: list[Hit],
        languages: Languages,
        concepts: set[str] | None = None,
    ) -> None:
        """`languages`: the lexicon's language facts; `concepts`: every hit's concept, when known."""
        self.text = text
        self.languages = languages
        separable = languages.separable_verbs
        tokens = self.tokens = tokenized.tokens
        self.questions = tokenized.questions
        if concepts is None:
            concepts = {h.concept for h in hits}
        self.mentions = False
        if _QUOTE_CHARS.intersection(text) and "insist" not in concepts:
            quoted = _quoted_tokens(text, tokens)
            if quoted and len(tokens) - len(quoted) >= MENTION_CONTEXT:
                kept = [h for h in hits if h.concept not in _MENTIONABLE or h.start not in quoted]
                self.mentions = len(kept) < len(hits)
                hits = kept
        if "trap" in concepts:
            trapped = {i for h in hits if h.concept == "trap" for i in range(h.start, h.end)}
            hits = [
                h for h in hits if h.concept in _UNTRAPPED or not trapped.intersection(range(h.start, h.end))
            ]
        if "service_noun" in concepts and "negation" in concepts and "message_noun" in concepts:
            hits = _without_denied_services(hits)
        if "specific" in concepts:
            specific = {i for h in hits if h.concept == "specific" for i in range(h.start, h.end)}
            if specific:
                # "the promo messages" is still a category: the phrase only counts when it ends the noun.
                noun_starts = {h.start for h in hits if h.concept in NOUNS}
                specific = {
                    i
                    for h in hits
                    if h.concept == "specific" and h.end not in noun_starts
                    for i in range(h.start, h.end)
                }
                hits = [h for h in hits if h.concept not in NOUNS or h.start not in specific]
        self.coverage = _coverage(hits)
        self.hits = _resolve_collisions(hits, self.coverage) if len(self.coverage) > 1 else hits
        by_concept: dict[str, list[Hit]] = {}
        for hit in self.hits:
            found = by_concept.get(hit.concept)
            if found is None:
                by_concept[hit.concept] = [hit]
            else:
                found.append(hit)
        self.by_concept = by_concept
        if "contrast" not in concepts and tokens and tokens[0].clause == tokens[-1].clause:
            # One clause (the common case): it holds every token and every hit.
            only = tokens[0].clause
            self.clause_of: list[ClauseId] = [(only, 0)] * len(tokens)
            clause = Clause(
                (only, 0), 0, len(tokens), only in tokenized.questions, only in tokenized.soft, separable
            )
            clause.hits = by_concept
            self.clauses = [clause]
            return
        clause_of = self.clause_of = (
            self._clauses(tokenized) if "contrast" in concepts else [(token.clause, 0) for token in tokens]
        )
        clauses: list[Clause] = []
        clause_by_index: dict[ClauseId, Clause] = {}
        questions, soft_clauses = tokenized.questions, tokenized.soft
        current: Clause | None = None
        for token_index, clause_index in enumerate(clause_of):
            if current is None or current.index != clause_index:
                token_clause = tokens[token_index].clause
                question = token_clause in questions
                soft = token_clause in soft_clauses and clause_index[1] == 0
                current = Clause(clause_index, token_index, token_index + 1, question, soft, separable)
                clauses.append(current)
                clause_by_index[clause_index] = current
            else:
                current.end = token_index + 1
        self.clauses = clauses
        for hit in self.hits:
            clause_hits = clause_by_index[clause_of[hit.start]].hits
            found = clause_hits.get(hit.concept)
            if found is None:
                clause_hits[hit.concept] = [hit]
            else:
                found.append(hit)

    def _clauses(self, tokenized: Tokenized) -> list[ClauseId]:
        """Punctuation clauses, further split at contrast words such as "but"."""
        contrast_starts = {h.start for h in self.hits if h.concept == "contrast"}
        if not contrast_starts:
            return [(token.clause, 0) for token in tokenized.tokens]
        clause_of: list[ClauseId] = []
        extra = 0
        for i, token in enumerate(tokenized.tokens):
            if i in contrast_starts:
                extra += 1
            clause_of.append((token.clause, extra))
        return clause_of

    def has(self, *concepts: str) -> bool:
        return not self.by_concept.keys().isdisjoint(concepts)  # only concepts with hits are keys

    def continuation(self, clause: Clause) -> Clause | None:
        """The clause right after `clause` when only a comma separates them."""
        position = self.clauses.index(clause)
        if position + 1 < len(self.clauses) and self.clauses[position + 1].soft:
            return self.clauses[position + 1]
        return None

    def get(self, concept: str) -> list[Hit]:
        return self.by_concept.get(concept, [])

    def span(self, *hits: Hit) -> tuple[tuple[int, int], ...]:
        spans = sorted({(self.tokens[h.start].start, self.tokens[h.end - 1].end) for h in hits})
        return tuple(spans)

    def language(self, preferred: tuple[Hit, ...] = ()) -> str | None:
        """The language with the most lexicon words in the message, favouring the trigger's."""
        votes: dict[str, float] = {}
        for hit in self.hits:
            if hit.lang is not None and hit.concept not in NO_VOTE:
                votes[hit.lang] = votes.get(hit.lang, 0.0) + 1.0
        for hit in preferred:
            if hit.lang is not None:
                votes[hit.lang] = votes.get(hit.lang, 0.0) + 0.5
        if not votes:
            return self.languages.by_script(self.text)
        rank = self.languages.rank
        return max(votes, key=lambda lang: (votes[lang], -rank(lang)))

    def unknown_words(self) -> int:
        """Content words no lexicon entry covers (function words of three letters or fewer aside).

        The automatic tier only acts on messages it reads whole: an unknown word may change what the
        request means ("STOP was my son, ignore it"), so with more than one the message goes to review.
        """
        covered = {i for hit in self.hits for i in range(hit.start, hit.end)}
        return sum(
            1
            for i, token in enumerate(self.tokens)
            if i not in covered and not token.emoji and len(token.norm) > FUNCTION_WORD
        )

    def only_vague_after(self, clause: Clause, position: int) -> bool:
        """True when nothing but "me"/"this"/"my number"/fillers follows `position` in the clause; a time
        limit ("until January") closing the clause does not count."""
        covered: set[int] = set()
        for concept in _VAGUE_AFTER:
            for h in clause.get(concept):
                covered.update(range(h.start, h.end))
        end = min((h.start for h in clause.get("until") if h.start >= position), default=clause.end)
        return all(i in covered or self.tokens[i].emoji for i in range(position, end))


def _quoted_tokens(text: str, tokens: tuple[Token, ...]) -> set[int]:
    """Positions of the tokens inside a short quotation ("the «отписаться» link", 'reply "STOP"')."""
    spans = [m.span(1) for m in _QUOTED_RE.finditer(text)]
    return {i for i, t in enumerate(tokens) if any(a <= t.start and t.end <= b for a, b in spans)}


def _coverage(hits: list[Hit]) -> dict[str, int]:
    """How many distinct tokens each language's words cover: the message's language votes."""
    covered: dict[str, set[int]] = {}
    for concept, _lang, start, end, _entry, langs in hits:
        if not langs or concept in NO_VOTE:
            continue
        if end - start == 1:
            for lang in langs:
                tokens = covered.get(lang)
                if tokens is None:
                    covered[lang] = {start}
                else:
                    tokens.add(start)
        else:
            for lang in langs:
                tokens = covered.get(lang)
                if tokens is None:
                    covered[lang] = set(range(start, end))
                else:
                    tokens.update(range(start, end))
    return {lang: len(tokens) for lang, tokens in covered.items()}


def _grammar_only(hit: Hit) -> bool:
    return hit.concept in _GRAMMAR and len(hit.entry) <= SHORT_ENTRY


def _without_own_words(hits: list[Hit], coverage: dict[str, int]) -> set[str]:
    """Languages that lend the message only little grammar words while a language that covers more
    has words of its own there: their short readings are look-alikes, not that language's grammar."""
    own = {
        hit.langs[0]
        for hit in hits
        if len(hit.langs) == 1 and hit.concept not in NO_VOTE and not _grammar_only(hit)
    }
    if not own:
        return set()
    strongest = max(coverage[lang] for lang in own)
    return {lang for lang, votes in coverage.items() if lang not in own and votes < strongest}


def _resolve_collisions(hits: list[Hit], coverage: dict[str, int]) -> list[Hit]:
    """Give each reading the message's main language, dropping readings only minor languages have.

    "mais" is "more" in Portuguese but "but" in French; "spam" is a noun in English but a complaint
    word in other lists. A reading shared by several languages takes the main language, so grammar
    that depends on the language (word order) follows the message.
    """
    best: dict[int, int] = {}
    for hit in hits:
        if hit.concept in NO_VOTE:
            continue
        start = hit.start
        for lang in hit.langs:
            votes = coverage[lang]
            if votes > best.get(start, 0):
                best[start] = votes
    # Languages with a single word in a message that another language covers well.
    main = max(coverage.values(), default=0)
    lone = {lang for lang, votes in coverage.items() if votes == 1} if main >= STRAY_MAIN else set()
    foreign = _without_own_words(hits, coverage) if main >= STRAY_MAIN else set()
    kept: list[Hit] = []
    for hit in hits:
        langs = hit.langs
        if not langs or hit.concept in NO_VOTE:
            kept.append(hit)
            continue
        if lone and lone.issuperset(langs) and (hit.concept in _GRAMMAR or len(hit.entry) <= SHORT_ENTRY):
            continue  # "la" (Arabizi "no") in "solo mándenme la confirmación": a stray reading
        if foreign and foreign.issuperset(langs) and _grammar_only(hit):
            continue  # "na" (Hinglish "no") in "dito nyo na ako i-message": a Tagalog particle
        top = best[hit.start]
        for winner in langs:
            if coverage[winner] == top:
                break
        else:
            continue
        if winner != hit.lang:
            hit = Hit(hit.concept, winner, hit.start, hit.end, hit.entry, langs)
        kept.append(hit)
    return kept
