"""A learned second opinion: a small text classifier that can only send a message to review.

The rules are the exact tier; they miss requests phrased in words no list holds ("every single day?",
"this is getting old"). A fastText model with subword features, trained by `scripts/train_model.py`
on the labelled corpus, reads the message the rules answered "none" and, when it is confident enough,
raises it to the review queue with a plain sentence. It never applies anything by itself.

The domain does no I/O: the caller loads the model (see `desktop_app/services/detector_model.py`)
and passes in its `predict` function and the threshold chosen on the dev split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.detection.normalize import Token
from desktop_app.domain.model import ALL, MARKETING, EventSource, Verdict, VerdictKind

# fastText's low-level call, the same in `fasttext-predict` and the full `fasttext` bindings:
# predict(line ending in "\n", k, threshold, on_unicode_error) -> [(probability, label), ...]
Predict = Callable[[str], Sequence[tuple[float, str]]]
LABEL_PREFIX = "__label__"
LABELS = ("opt_out", "opt_in", "none")
# Below the detector's automatic threshold, whatever the model says: review only.
MAX_CONFIDENCE = 0.8
# Word classes whose presence is worth telling the model: they carry across languages.
TAGGED_CONCEPTS = frozenset(
    {
        "stop_family",
        "stop_verb",
        "unsubscribe_verb",
        "remove_self",
        "negation",
        "more",
        "again",
        "message_noun",
        "marketing_noun",
        "list_noun",
        "service_noun",
        "self_number",
        "too_many",
        "enough",
        "why",
        "frequency",
        "constant",
        "annoyance",
        "angry",
        "laugh",
        "denial",
        "who_gave",
        "block",
        "not_interested",
        "reject",
        "positive",
        "insist",
        "question_mechanics",
        "mistake",
        "keep_on",
        "other_channel",
        "only",
        "past_request",
        "kw_opt_out",
        "kw_opt_in",
        "kw_weak",
        "resume_verb",
        "start_verb",
        "subscribe_verb",
        "add_back",
        "trap",
        "moved_on",
        "late_hour",
    }
)
# Word classes that mark the look-alikes the rules already judged (cancel my order, bus stop, how do I
# unsubscribe?, my email, "don't stop", 😂): the model is not asked about those.
SETTLED = frozenset(
    {
        "service_noun",
        "trap",
        "question_mechanics",
        "hypothetical",
        "other_channel",
        "positive",
        "laugh",
        "past_negation",
    }
)
_STOP_WORDS = frozenset(
    {"kw_opt_out", "kw_weak", "stop_family", "stop_verb", "unsubscribe_verb", "remove_self"}
)
_OVERRULED = frozenset({"negation", "negation_after", "reject", "mistake", "keep_on"})
# Signs the customer wants the messages ("keep me on", "add me back"), unless negated: the model may
# read an opt-in there, never an opt-out.
_WANTS = frozenset({"keep_on", "come_back", "resume_verb", "add_back"})
_NEGATIONS = frozenset({"negation", "negation_after"})
_OUT_LABEL, _IN_LABEL = f"{LABEL_PREFIX}opt_out", f"{LABEL_PREFIX}opt_in"
_COMPLAINT = frozenset({"annoyance", "angry", "too_many", "constant", "frequency", "why", "enough"})
_NO_CONSENT = frozenset({"denial", "who_gave"})
_DECLINES = frozenset({"not_interested", "reject"})
_BROADER = frozenset({"message_noun", "list_noun", "all_marker"})


_TAGS = {concept: f"__{concept}" for concept in TAGGED_CONCEPTS}


def model_text(tokens: Iterable[Token], concepts: Iterable[str], question: bool) -> str:
    """What the model reads: the normalised words, then one tag per word class the lexicon found.

    Training (`scripts/train_model.py`) and prediction build it with this one function.
    """
    tags = _TAGS
    found = sorted(tags[concept] for concept in concepts if concept in tags)
    if question:
        found.append("__question")
    return " ".join([*(token.norm for token in tokens), *found])


def explain_model(kind: VerdictKind, concepts: set[str]) -> str:
    """The plain sentence for a model verdict, from what the message holds."""
    if kind is VerdictKind.OPT_IN:
        return "This reads like they want our messages again; please check before sending any."
    if not _COMPLAINT.isdisjoint(concepts):
        return "This reads like a complaint about our messages; please check."
    if not _NO_CONSENT.isdisjoint(concepts):
        return "This reads like they never agreed to hear from us; please check."
    if not _DECLINES.isdisjoint(concepts):
        return "This reads like they don't want our offers; please check."
    return "This reads like a request to stop our messages, in words the rules don't know; please check."


def _limits_to_offers(concepts: set[str]) -> bool:
    """Marketing only when the words limit the request to the offers ("not interested in your courses",
    "no more coupons"); a complaint about the offers ("another tile sale 🙄") is about the messages."""
    if not _BROADER.isdisjoint(concepts) or not _COMPLAINT.isdisjoint(concepts):
        return False
    if not _DECLINES.isdisjoint(concepts):
        return True
    return "marketing_noun" in concepts and not concepts.isdisjoint({"negation", "more", "only"})


@dataclass(frozen=True)
class SecondOpinion:
    """A loaded model and the probability from which its opt-out / opt-in reading goes to review."""

    predict: Predict
    threshold: float
    opt_in_threshold: float | None = None  # None: the same as `threshold`

    def probabilities(self, text: str) -> dict[str, float]:
        found = {label: 0.0 for label in LABELS}
        for probability, label in self.predict(text + "\n"):
            name = label[len(LABEL_PREFIX) :] if label.startswith(LABEL_PREFIX) else label
            found[name] = found.get(name, 0.0) + float(probability)
        return found

    def _request_odds(self, text: str) -> tuple[float, float]:
        """(opt-out, opt-in) probabilities; the hot path's version of `probabilities`."""
        out = opt_in = 0.0
        for probability, label in self.predict(text + "\n"):
            if label == _OUT_LABEL:
                out = probability
            elif label == _IN_LABEL:
                opt_in = probability
        return out, opt_in

    def review(
        self,
        tokens: tuple[Token, ...],
        hits: list[Hit],
        concepts: set[str],
        question: bool,
        language: str | None,
    ) -> Verdict | None:
        """A review verdict when the model reads a request the rules did not see, else None."""
        if not tokens or not SETTLED.isdisjoint(concepts):
            return None
        if not _STOP_WORDS.isdisjoint(concepts) and not _OVERRULED.isdisjoint(concepts):
            return None  # the rules read the stop word and found it is not a request ("don't stop")
        if concepts.isdisjoint(TAGGED_CONCEPTS):
            return None  # nothing the lexicon knows: "main door pe hu", "Zrobiłam przelew"
        if question and concepts.isdisjoint(_COMPLAINT | _NO_CONSENT):
            return None  # a neutral question ("are these messages free?")
        out, opt_in = self._request_odds(model_text(tokens, concepts, question))
        in_threshold = self.threshold if self.opt_in_threshold is None else self.opt_in_threshold
        wants = not _WANTS.isdisjoint(concepts) and _NEGATIONS.isdisjoint(concepts)
        if out >= self.threshold and out >= opt_in and not wants:
            kind, probability = VerdictKind.OPT_OUT, out
        elif opt_in >= in_threshold:
            kind, probability = VerdictKind.OPT_IN, opt_in
        else:
            return None
        if kind is VerdictKind.OPT_OUT:
            marketing = _limits_to_offers(concepts)
        else:  # "send me the offers again": asking for the offers is asking for marketing
            marketing = "marketing_noun" in concepts and _BROADER.isdisjoint(concepts)
        return Verdict(
            kind=kind,
            scope=MARKETING if marketing else ALL,
            confidence=round(min(probability, MAX_CONFIDENCE), 3),
            auto=False,
            language=language,
            rule=f"model:{language or 'any'}:{kind.value}",
            explanation=explain_model(kind, concepts),
            spans=(),
            source=EventSource.PHRASE,
        )
