"""Corrections of an earlier STOP ("I sent that by mistake, keep me on") and the guards that keep a
message with any sign of wanting the messages out of the automatic opt-out tier."""

from __future__ import annotations

from desktop_app.domain.detection.analysis import Analysis
from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.detection.rules import OPT_IN, REVIEW, Candidate, scope_of

# A correction is an opt-in a human confirms: it undoes a consent withdrawal.
CORRECTION = 0.8
CORRECTION_RULE = "correction"
# Signs that the customer wants the messages: any of them keeps an opt-out out of the automatic tier.
OPT_IN_SIGNALS = (
    "kw_opt_in",
    "resume_verb",
    "start_verb",
    "subscribe_verb",
    "add_back",
    "keep_on",
    "mistake",
)
# Signs that a message is about something else than these messages: never automatic either.
ELSEWHERE_SIGNALS = ("other_channel", "question_mechanics", "past_request")
_STOP_SIGNALS = (
    "kw_opt_out",
    "kw_weak",
    "stop_family",
    "stop_verb",
    "unsubscribe_verb",
    "remove_self",
    "remove_verb",
)
_WANTS_SIGNALS = ("kw_opt_in", "resume_verb", "start_verb", "subscribe_verb", "add_back", "keep_on")


def _first(a: Analysis, concepts: tuple[str, ...]) -> Hit | None:
    found = [h for concept in concepts for h in a.get(concept)]
    return min(found, key=lambda h: h.start) if found else None


def correction(a: Analysis) -> Candidate | None:
    """ "I sent STOP by mistake, keep me on", "mandé BAJA por error", "didn't mean to unsubscribe"."""
    mistake = _first(a, ("mistake",))
    if mistake is None:
        return None
    wants = _first(a, _WANTS_SIGNALS)
    stop = _first(a, _STOP_SIGNALS)
    if wants is None and stop is None:
        return None  # "sorry, wrong chat" alone changes nothing
    if wants is None and stop is not None and stop.start > mistake.end + 3 and a.has("self", "self_number"):
        # "I gave you my number by mistake, remove me": the mistake was the sign-up, not the STOP
        return None
    if a.has("denial", "who_gave", "annoyance", "angry", "service_noun"):
        return None
    trigger = tuple(h for h in (mistake, wants or stop) if h is not None)
    return Candidate(OPT_IN, scope_of(None, a), CORRECTION, CORRECTION_RULE, trigger)


def blocks_auto_opt_out(a: Analysis) -> bool:
    """An opt-in word, "by mistake", another channel or a how-to question: a human decides."""
    return a.has(*OPT_IN_SIGNALS) or a.has(*ELSEWHERE_SIGNALS)


__all__ = ["CORRECTION", "CORRECTION_RULE", "REVIEW", "blocks_auto_opt_out", "correction"]
