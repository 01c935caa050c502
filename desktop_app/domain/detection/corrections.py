"""Corrections of an earlier STOP ("I sent that by mistake, keep me on") and the guards that keep a
message with any sign of wanting the messages out of the automatic opt-out tier."""

from __future__ import annotations

from desktop_app.domain.detection.analysis import Analysis, Clause
from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.detection.rules import OPT_IN, REVIEW, Candidate, scope_of
from desktop_app.domain.model import Verdict, VerdictKind

# A correction is an opt-in a human confirms: it undoes a consent withdrawal.
CORRECTION = 0.8
CORRECTION_RULE = "correction"
REJOIN_RULE = "rejoin"
NEAR = 3  # tokens between "by mistake" and the STOP it takes back
# Words saying the customer wants the messages.
_WANTS_SIGNALS = (
    "kw_opt_in",
    "resume_verb",
    "start_verb",
    "subscribe_verb",
    "add_back",
    "keep_on",
    "come_back",
)
# Signs that the customer wants the messages (or that a STOP was a mistake): any of them keeps an
# opt-out out of the automatic tier.
OPT_IN_SIGNALS = (*_WANTS_SIGNALS, "mistake")
# Signs that a message is about something else than these messages, or not quite a request:
# never automatic either.
ELSEWHERE_SIGNALS = (
    "until",  # "pause the messages until March": a time-limited request (policy call 2) is reviewed
    "other_channel",
    "question_mechanics",
    "past_request",
    "hypothetical",
    "laugh",
    "positive",
)
# With a question, these make the message a question about opting out rather than a request.
_ASKS_ABOUT = ("hypothetical", "kw_opt_in", "resume_verb", "start_verb")
# "how do I get off this list??" asks to leave these messages (review); "how do I unsubscribe?" asks how.
_THESE = ("list_noun", "message_noun")
# Beside another channel, these say the customer keeps (or already left) the other one only.
_OTHER_ONLY = ("past_request", "contrast", "keep_on", "positive", "laugh", "mistake")
_STOP_SIGNALS = (
    "kw_opt_out",
    "kw_weak",
    "stop_family",
    "stop_verb",
    "unsubscribe_verb",
    "remove_self",
    "remove_verb",
)
# The words a correction or a rejoin starts from ("by mistake", "keep me on", "I want to come back").
CORRECTION_TRIGGERS = frozenset({"mistake", "keep_on", "come_back"})
_REJOIN_CONTEXT = ("past_request", "list_noun", "message_noun", "marketing_noun", "self", "self_number")


def _clause(a: Analysis, hit: Hit) -> Clause:
    return next(c for c in a.clauses if c.start <= hit.start < c.end)


def correction(a: Analysis) -> Candidate | None:
    """ "I sent STOP by mistake, keep me on", "mandé BAJA por error", "didn't mean to unsubscribe".

    What the mistake takes back is the request word next to it in its clause: a STOP ("STOP was an
    accident", "accidentally hit stop") makes the message an opt-in; a sign-up ("I signed up by
    mistake") does not. With nothing next to it ("sorry, wrong chat"), an earlier STOP or a later START
    elsewhere in the message decides.
    """
    mistakes = a.get("mistake")
    if not mistakes or a.has("denial", "who_gave", "annoyance", "angry"):
        return None
    if a.has("service_noun") and not a.has("keep_on"):
        return None  # "mistake in my order, cancel it"; but "STOP was meant for my gym, keep messaging me"
    if a.has("other_channel", "question_mechanics"):
        return None  # "I clicked unsubscribe on the email by accident, does that affect WhatsApp?"
    stops = [
        h
        for concept in _STOP_SIGNALS
        for h in a.get(concept)
        if h.concept != "remove_verb" or _clause(a, h).has("self", "self_number", "list_noun")
    ]  # "delete the photo I sent by mistake" takes back a photo, not a STOP
    wants = [h for concept in _WANTS_SIGNALS for h in a.get(concept)]
    # "wrong chat, don't unsubscribe me": a negated STOP wants the messages
    wants += [h for h in stops if _clause(a, h).negated(h)]
    stops = [h for h in stops if h not in wants]
    if not stops and not wants:
        return None  # "sorry, wrong chat" alone changes nothing
    clause_of = a.clause_of
    mistake = mistakes[0]
    taken_back: Hit | None = None
    for m in mistakes:
        same = [
            h
            for h in (*stops, *wants)
            if clause_of[h.start] == clause_of[m.start] and (h.end <= m.start or h.start >= m.end)
        ]
        if same:
            mistake = m
            taken_back = min(same, key=lambda h: min(abs(m.start - h.end), abs(h.start - m.end)))
            break
    if taken_back is not None:
        if taken_back in wants and taken_back.concept in _WANTS_SIGNALS and taken_back.end <= mistake.start:
            return None  # "I signed up by mistake": the sign-up was the mistake
        if taken_back.concept not in _WANTS_SIGNALS and taken_back.start >= mistake.end + NEAR + 1:
            return None
    elif not wants and not any(h.start < m.end for m in mistakes for h in stops):
        return None  # "by mistake, remove me": the STOP comes after, and stands
    trigger = (mistake, taken_back or (wants or stops)[0])
    return Candidate(OPT_IN, scope_of(None, a), CORRECTION, CORRECTION_RULE, trigger)


_REMOVALS = ("remove_verb", "remove_self", "unsubscribe_verb")
_STOP_WORDS = ("kw_opt_out", "kw_weak")


def kept_after_stop(a: Analysis) -> Candidate | None:
    """ "My son typed STOP on my phone, don't remove me from the list", "Syn napisał STOP, nie usuwajcie
    mnie z listy": a STOP reported, then a refusal to be removed (policy call 12: opt-in).

    Without a STOP in view ("Não me tirem, adoro essas promoções") a refusal to be removed is chat.
    """
    if a.has("denial", "who_gave", "annoyance", "angry", "service_noun", "other_channel"):
        return None
    refused = [h for concept in _REMOVALS for h in a.get(concept) if _clause(a, h).negated(h)]
    if not refused:
        return None
    refusal = refused[0]
    stops = [
        h
        for concept in _STOP_WORDS
        for h in a.get(concept)
        if a.clause_of[h.start] != a.clause_of[refusal.start]
    ]
    if not stops:
        return None
    return Candidate(OPT_IN, scope_of(None, a), CORRECTION, CORRECTION_RULE, (stops[0], refusal))


def stay_comes_last(a: Analysis, request: tuple[Hit, ...]) -> bool:
    """True when a wish to stay ("keep me on", "msiniondoe") follows the request word in a later clause:
    "My son typed STOP on my phone, keep me on the list" ends on staying."""
    stays = [h for concept in ("keep_on", "come_back") for h in a.get(concept)]
    if not stays or not request:
        return False
    verb = a.clause_of[request[0].start]  # the rule's first hit is its request word
    return any(a.clause_of[h.start] > verb for h in stays)


def rejoin(a: Analysis, asks_to_stop: bool = False) -> Candidate | None:
    """ "I unsubscribed last month but I want to come back", "sorry, keep sending", "beni çıkarmayın".

    "Keep sending" needs an earlier stop in view (a STOP word, "unsubscribed"); "come back" needs the
    list or the messages in view ("I'll come back tomorrow" is about the shop). `asks_to_stop`: a
    sentence rule read a request to stop now, which only a past stop ("I unsubscribed") leaves open.
    """
    if asks_to_stop and not a.has("past_request"):
        return None
    if a.has(
        "denial", "who_gave", "annoyance", "angry", "service_noun", "question_mechanics", "other_channel"
    ):
        return None
    stops = [h for concept in _STOP_SIGNALS for h in a.get(concept)]
    for hit in (*a.get("come_back"), *a.get("keep_on")):
        clause = next(c for c in a.clauses if c.start <= hit.start < c.end)
        if clause.negated(hit):
            continue  # "no quiero seguir recibiendo", "don't come back": the opposite of staying
        after = [h for h in stops if h.start > hit.end and a.clause_of[h.start] != a.clause_of[hit.start]]
        if after:
            continue  # "come back later... stop" : the stop is the last word
        outside = [
            h
            for h in stops
            if not (hit.start <= h.start < hit.end)
            and not next(c for c in a.clauses if c.start <= h.start < c.end).negated(h)
        ]
        context = outside or a.has("past_request")
        if hit.concept == "come_back" and not context and not a.has(*_REJOIN_CONTEXT):
            continue
        if hit.concept == "keep_on" and not context:
            continue
        return Candidate(OPT_IN, scope_of(None, a), CORRECTION, REJOIN_RULE, (hit,))
    return None


def not_a_request(a: Analysis) -> bool:
    """A question about opting out ("if I ever want to unsubscribe, what do I type?"), or a note about
    another channel ("I unsubscribed from your emails but keep WhatsApp"): no opt-out at all."""
    question = any(c.question for c in a.clauses)
    lists = {h.start for h in a.get("list_noun")}  # Indonesian "daftar" is the list and "sign up"
    if question and any(h.start not in lists for concept in _ASKS_ABOUT for h in a.get(concept)):
        return True
    if question and a.has("question_mechanics") and not a.has(*_THESE, "who_gave", "denial"):
        return True
    if a.has("hypothetical") and a.has("laugh"):
        return True  # "my brother keeps telling me to unsubscribe 😂"
    if a.has("channel_move"):
        return False  # "send me the offers by email instead of here": leaves WhatsApp
    return a.has("other_channel") and (question or a.has(*_OTHER_ONLY))


def blocks_auto_opt_out(a: Analysis) -> bool:
    """An opt-in word, "by mistake", another channel or a how-to question: a human decides."""
    return a.has(*OPT_IN_SIGNALS) or a.has(*ELSEWHERE_SIGNALS)


__all__ = [
    "CORRECTION",
    "CORRECTION_RULE",
    "CORRECTION_TRIGGERS",
    "REJOIN_RULE",
    "REVIEW",
    "blocks_auto_opt_out",
    "correction",
    "corrects_previous",
    "kept_after_stop",
    "not_a_request",
    "rejoin",
    "stay_comes_last",
]


def corrects_previous(verdict: Verdict) -> bool:
    """True when the verdict takes back an earlier STOP from the same customer ("sorry, wrong chat,
    START", "I sent that by mistake, keep me on"): the pipeline may cancel that customer's pending,
    unconfirmed opt-out instead of recording a new opt-in. (The wiring is the pipeline's.)"""
    family = verdict.rule.rsplit(":", 1)[-1]
    return verdict.kind is VerdictKind.OPT_IN and family in (CORRECTION_RULE, REJOIN_RULE)
