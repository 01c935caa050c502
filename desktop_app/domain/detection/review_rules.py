"""Softer signals for a human to review: complaints about volume, denied consent, rejected offers."""

from __future__ import annotations

from collections.abc import Iterator

from desktop_app.domain.detection.analysis import Analysis
from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.detection.rules import LIKELY, OPT_IN, OPT_OUT, REVIEW, Candidate, scope_of
from desktop_app.domain.model import ALL, MARKETING


def _nouns(a: Analysis) -> list[Hit]:
    return [*a.get("message_noun"), *a.get("marketing_noun"), *a.get("list_noun")]


def _first(a: Analysis, *concepts: str) -> Hit | None:
    for concept in concepts:
        found = a.get(concept)
        if found:
            return found[0]
    return None


_REFUSALS = ("negation", "negation_after", "neg_send", "neg_want", "past_marker", "past_negation")
REVIEW_TRIGGERS = frozenset(
    {
        "until",
        "moved_on",
        "late_hour",
        "too_many",
        "enough",
        "constant",
        "why",
        "annoyance",
        "angry",
        "not_interested",
        "reject",
        "channel_move",
        "denial",
        "who_gave",
        "block",
        "yes",
        "insist",
        "want_verb",
        "frequency",
        "only",
        "send_verb",
        "receive_verb",
        "refusal_after",
        "question_mechanics",
        "self_number",
    }
)
SHORT = 8  # words: a complaint this short is about the messages it answers
LONG_LIMIT = 16  # words: a scope limit that also names the offers it drops
_COMPLAINTS = ("annoyance", "angry", "too_many", "constant", "why")
# What a positively phrased scope limit keeps ("only order updates", "just the receipts").
_UPDATES = ("message_noun", "update_noun")


def review_candidates(a: Analysis) -> Iterator[Candidate]:
    if REVIEW_TRIGGERS.isdisjoint(a.by_concept):
        return
    nouns = _nouns(a)
    if (nouns or a.has("message_verb")) and not a.has("laugh", "positive"):
        yield from _complaints(a, nouns)
    if nouns and a.has("not_interested", "reject", "channel_move") and not a.has("positive"):
        trigger = _first(a, "not_interested", "reject", "channel_move")
        assert trigger is not None
        yield Candidate(OPT_OUT, scope_of(None, a), REVIEW, "rejects_messages", (trigger, *nouns))
    insist = _first(a, "insist")
    request = _first(a, "kw_opt_out", "stop_verb", "unsubscribe_verb", "remove_self")
    if insist is not None and request is not None and not a.has("positive"):
        yield Candidate(OPT_OUT, scope_of(None, a), LIKELY, "repeated_request", (insist, request))
    found = a.by_concept
    yield from _short_complaint(a, nouns)
    if "only" in found:
        yield from _only_some(a)
    denial = _first(a, "denial")
    if denial is not None and _fixes_a_service(a):
        denial = None  # "recharge went to the wrong number, can it be cancelled?": about a top-up
    if denial is not None and not _mistake_besides(a, denial):  # "oops, wrong person": their mistake
        yield Candidate(OPT_OUT, ALL, REVIEW, "no_consent", (denial,))
    who = _first(a, "who_gave")
    if who is not None and a.has("self_number"):
        yield Candidate(OPT_OUT, ALL, REVIEW, "no_consent", (who, *a.get("self_number")))
    block = _first(a, "block")
    if block is not None:
        yield Candidate(OPT_OUT, ALL, REVIEW, "threatens_block", (block,))  # the messages, not the offers
    if a.has("want_verb") and a.has("receive_verb") and nouns:
        yield from _wants_messages(a)
    move = _first(a, "channel_move")
    if move is not None and not nouns and not a.has("positive", "laugh", "question_mechanics"):
        yield Candidate(OPT_OUT, ALL, REVIEW, "rejects_messages", (move,))  # "email me instead of WhatsApp"
    # Each rule below starts from one word class; a message without it skips the rule.
    if "refusal_after" in found:
        yield from _refused_after(a)
    if "moved_on" in found:
        yield from _former_customer(a)
    if "until" in found:
        yield from _pause(a)
    if "late_hour" in found:
        yield from _at_a_bad_time(a, nouns)
    if "marketing_noun" in found:
        yield from _asks_for_offers(a)
    if "question_mechanics" in found:
        yield from _asks_how_to_leave(a)
    yes = _first(a, "yes")
    if (
        yes is not None
        and yes.start == 0
        and nouns
        and not a.has("negation", "neg_want", "neg_send", "stop_verb", "block", "hypothetical")
    ):
        yield Candidate(OPT_IN, scope_of(None, a), LIKELY, "yes_to_messages", (yes, *nouns))


def _fixes_a_service(a: Analysis) -> bool:
    """A service named with a cancel word or a question: the message asks to fix an order or a top-up."""
    return a.has("service_noun") and (
        a.has("stop_family", "kw_opt_out") or any(c.question for c in a.clauses)
    )


def _mistake_besides(a: Analysis, denial: Hit) -> bool:
    """A "mistake" word outside the denial itself ("ra2m ghalat" is one denial, "ghalat" inside it)."""
    return any(not (denial.start <= m.start and m.end <= denial.end) for m in a.get("mistake"))


def _complaints(a: Analysis, nouns: list[Hit]) -> Iterator[Candidate]:
    # A complaint ("too many promos", "another ad 🙄") is about the messages: scope "all" (corpus policy
    # call 16); only "enough of the promos" ("chega de promoção") limits the request to the offers.
    scope = scope_of(None, a) if a.has("enough") else ALL
    trigger = _first(a, "too_many", "enough", "constant")
    if trigger is not None and nouns:
        yield Candidate(OPT_OUT, scope, REVIEW, "too_many_messages", (trigger, *nouns))
    why = _first(a, "why")
    if (
        why is not None
        and a.has("message_verb", "send_verb")
        and a.has("message_noun", "message_verb", "marketing_noun")
        and not a.has("negation", "past_negation")
    ):
        yield Candidate(OPT_OUT, scope, REVIEW, "too_many_messages", (why, *nouns))
    upset = _first(a, "annoyance", "angry")
    if upset is not None and nouns:
        yield Candidate(OPT_OUT, scope, REVIEW, "too_many_messages", (upset, *nouns))
    often = _first(a, "frequency")
    if (
        often is not None
        and a.has("message_noun", "marketing_noun")
        and not any(c.question for c in a.clauses)
        and not a.has("want_verb", "service_noun")
        and len(a.tokens) <= SHORT
    ):
        yield Candidate(OPT_OUT, scope, REVIEW, "too_many_messages", (often, *nouns))


def _wants_messages(a: Analysis) -> Iterator[Candidate]:
    """ "Je veux recevoir les promos": asks for messages without saying "again" (review only)."""
    if a.has("stop_verb", "positive", *_REFUSALS) or any(c.question for c in a.clauses):
        return
    for clause in a.clauses:
        nouns = clause.get("marketing_noun")
        if clause.has("want_verb") and clause.has("receive_verb") and nouns:
            yield Candidate(
                OPT_IN, scope_of(clause, a), REVIEW, "wants_messages", (clause.get("want_verb")[0], *nouns)
            )
            return


def _short_complaint(a: Analysis, nouns: list[Hit]) -> Iterator[Candidate]:
    """ "this is getting annoying", "every single day?", "not interested": a short reply that only
    complains or declines, with nothing else it could be about (review only)."""
    if nouns or a.has("laugh", "positive", "service_noun", "question_mechanics", "past_negation"):
        return
    words = [t for t in a.tokens if not t.emoji]
    if len(words) > SHORT:
        return
    refusal = _first(a, "not_interested")
    if refusal is not None and len(words) <= SHORT // 2 + 1:
        yield Candidate(OPT_OUT, MARKETING, REVIEW, "not_interested", (refusal,))  # rejects the offers
        return
    upset = _first(a, *_COMPLAINTS)
    if upset is not None and upset.concept == "angry":
        ignorable = {
            i for name in ("aside", "filler", "angry") for h in a.get(name) for i in range(h.start, h.end)
        }
        if all(i in ignorable or t.emoji for i, t in enumerate(a.tokens)):
            yield Candidate(OPT_OUT, ALL, REVIEW, "complaint", (upset,))  # "🙄🙄🙄", "😒 again"
            return
    covered = {i for h in a.hits for i in range(h.start, h.end)}
    unknown = [t for i, t in enumerate(a.tokens) if i not in covered and not t.emoji and len(t.norm) > 3]
    if len(unknown) > 1:
        return  # "too many options, which cake?": about something else
    about = a.has("vague_object", "frequency", "self", "message_verb", "send_verb") or any(
        c.question for c in a.clauses
    )
    if upset is not None and about:
        yield Candidate(OPT_OUT, ALL, REVIEW, "complaint", (upset,))
        return
    often = _first(a, "frequency")
    if often is not None and any(c.question for c in a.clauses) and len(words) <= SHORT // 2:
        yield Candidate(OPT_OUT, ALL, REVIEW, "complaint", (often,))


def _only_some(a: Analysis) -> Iterator[Candidate]:
    """ "only order updates please", "uniquement les infos de commande": a scope limit phrased
    positively withdraws the rest, i.e. the promotions (review: nothing says "stop")."""
    only = _first(a, "only")
    if only is None or any(c.question for c in a.clauses) or len(a.tokens) > _limit_length(a, only):
        return
    if a.has("positive", "laugh", "past_negation", "question_mechanics"):
        return
    if a.has("negation") and not a.has("marketing_noun"):
        return  # "I just don't want my order updates late": not a limit to some messages
    updates = [
        h
        for concept in _UPDATES
        for h in a.get(concept)
        if 0 <= h.start - only.end <= 3 or 0 <= only.start - h.end <= 1  # "only receipts", "receipts only"
    ]
    if updates:
        yield Candidate(OPT_OUT, MARKETING, REVIEW, "only_some", (only, updates[0]))


def _limit_length(a: Analysis, only: Hit) -> int:
    """How long a scope limit may run: longer when the offers it drops follow in a clause of their own
    ("so me manda msg sobre o meu pedido, promoção n precisa")."""
    clause = a.tokens[only.start].clause
    dropped = any(a.tokens[h.start].clause > clause for h in a.get("marketing_noun"))
    return LONG_LIMIT if dropped else SHORT


def _asks_for_offers(a: Analysis) -> Iterator[Candidate]:
    """ "Send me offers", "I'd love to get your deals on WhatsApp": asks for the promotions (review)."""
    if a.has("stop_verb", "specific", "service_noun", "kw_opt_out", "question_mechanics", *_REFUSALS):
        return
    if a.has("other_channel", "past_request", "keep_on"):
        return
    for clause in a.clauses:
        offers = clause.get("marketing_noun")
        if not offers or clause.question:
            continue
        sends = [h for h in clause.get("send_verb") if h.end <= offers[0].start]
        gets = [h for h in clause.get("receive_verb") if h.end <= offers[0].start]
        if (sends and clause.has("self")) or (gets and clause.has("positive", "want_verb")):
            yield Candidate(
                OPT_IN, scope_of(clause, a), REVIEW, "wants_messages", ((sends or gets)[0], *offers)
            )
            return


# "how do I join the list?" asks about joining, not leaving.
_JOIN_WORDS = (
    "kw_opt_in",
    "come_back",
    "subscribe_verb",
    "add_verb",
    "add_back",
    "resume_verb",
    "start_verb",
)
ASKS_HOW = "asks_how_to_leave"
_GETTING = ("receive_verb", "send_verb", "message_verb")
_LEAVE_WORDS = ("kw_opt_out", "stop_family", "stop_verb", "unsubscribe_verb", "remove_self", "remove_verb")


def _joins(a: Analysis, leave: Hit | None) -> bool:
    """A word about joining that is not the object of the leave word: "how do I join?" joins, but
    "parar de receber" (stop receiving; "receber" is also an opt-in keyword) leaves."""
    for hit in (h for concept in _JOIN_WORDS for h in a.get(concept)):
        if leave is None or not 0 <= hit.start - leave.end <= 1:
            return True
    return False


def _asks_how_to_leave(a: Analysis) -> Iterator[Candidate]:
    """ "how do I get off this list??", "como saio dessa lista??", "How do I unsubscribe from this?": a
    wish to leave these messages (review). "How do I unsubscribe?" alone asks how it works (none)."""
    how = _first(a, "question_mechanics")
    if how is None:
        return
    opens_with_how = how.start == 0  # "how do i get off this list" is a question without its "?"
    if not (opens_with_how or any(c.question for c in a.clauses)):
        return
    if a.has("service_noun", "other_channel", "hypothetical", "positive", "laugh"):
        return
    leave = _first(a, *_LEAVE_WORDS)
    if _joins(a, leave):
        return
    these = _first(a, "list_noun", "message_noun")
    if leave is not None and these is not None:
        yield Candidate(OPT_OUT, scope_of(None, a), REVIEW, ASKS_HOW, (how, leave, these))
        return
    if leave is not None:
        clause = next(c for c in a.clauses if c.start <= leave.start < c.end)
        vague = [h for h in clause.get("vague_object") if h.start >= leave.end]
        getting = [h.end for name in _GETTING for h in clause.get(name) if h.start >= leave.end]
        after = max(getting, default=leave.end)
        if vague and a.only_vague_after(clause, after):  # "unsubscribe from this", "stop getting these"
            yield Candidate(OPT_OUT, ALL, REVIEW, ASKS_HOW, (how, leave, vague[-1]))
            return
        before = [h for h in clause.get("vague_object") if how.end <= h.start < leave.start]
        if before and a.only_vague_after(clause, leave.end):  # "any way to make these stop??"
            yield Candidate(OPT_OUT, ALL, REVIEW, ASKS_HOW, (how, before[-1], leave))
        return
    lists = a.get("list_noun")
    if lists and how.end <= lists[0].start:
        # "hoe kom ik van deze lijst af??", "como saio dessa lista??": leaving this list (review)
        yield Candidate(OPT_OUT, ALL, REVIEW, ASKS_HOW, (how, lists[0]))
        return
    refusal = _first(a, "negation", "neg_want", "neg_send")
    messages = _first(a, "message_noun") or next(
        (h for h in a.get("vague_object") if refusal is not None and h.start > refusal.end), None
    )  # "Comment je fais pour ne plus recevoir ça ?"
    refused = refusal is not None and (
        refusal.concept == "neg_send" or a.has("receive_verb", "send_verb", "message_verb")
    )
    if refusal is not None and messages is not None and refused:
        # "Come faccio a non ricevere più questi messaggi?": how not to get them (review)
        yield Candidate(OPT_OUT, ALL, REVIEW, ASKS_HOW, (how, refusal, messages))


LONGEST_FORMER = 16  # words: beyond this, "I switched gyms" is a story, not a reply to our messages


def _former_customer(a: Analysis) -> Iterator[Candidate]:
    """ "I switched to another gym", "Ho cambiato farmacia", "ya no voy a ese gimnasio": no longer a
    customer, so the messages are no longer wanted (corpus policy call 7, review)."""
    moved = _first(a, "moved_on")
    if moved is None or len(a.tokens) > LONGEST_FORMER:
        return
    if a.has("positive", "laugh", "hypothetical", "question_mechanics", "self_number", "some_number"):
        return  # "I changed my number", "haha I switched gyms but still love your cakes"
    if a.has("mistake", "other_channel"):
        return
    if a.has("service_noun") and a.has("stop_verb", "unsubscribe_verb", "remove_verb", "kw_opt_out"):
        return  # "I moved to another gym, can I cancel my membership?": a service question
    yield Candidate(OPT_OUT, ALL, REVIEW, "former_customer", (moved,))


PAUSE_WORDS = 6  # "nothing until January please"


def _pause(a: Analysis) -> Iterator[Candidate]:
    """ "nothing until January please", "nada hasta enero": a pause of the messages (call 2, review)."""
    until = _first(a, "until")
    if until is None or len([t for t in a.tokens if not t.emoji]) > PAUSE_WORDS:
        return
    if any(c.question for c in a.clauses) or a.has("service_noun", "positive", "laugh"):
        return
    nothing = [h for h in (*a.get("vague_object"), *a.get("all_marker")) if h.end <= until.start]
    if nothing and all(i < until.start for h in nothing for i in range(h.start, h.end)):
        first_word = min(i for i, t in enumerate(a.tokens) if not t.emoji)
        if nothing[0].start == first_word:
            yield Candidate(OPT_OUT, ALL, REVIEW, "pause", (nothing[0], until))


def _at_a_bad_time(a: Analysis, nouns: list[Hit]) -> Iterator[Candidate]:
    """ "23h et vous m'envoyez des pubs ??", "в 12 ночи реклама??": messages at night, complained about
    (review). "Can you deliver at 11pm?" names no message."""
    late = _first(a, "late_hour")
    if late is None or a.has("positive", "laugh", "service_noun", "question_mechanics"):
        return
    sending = _first(a, "message_verb", "send_verb")
    named_event = not late.entry[:1].isdigit() and any(n.start == late.end for n in a.get("marketing_noun"))
    if sending is None and (not nouns or named_event):
        return  # "is the midnight sale still on?" names an event, not a message
    upset = any(c.question for c in a.clauses) or a.has("annoyance", "angry", "why")
    if upset:
        about = nouns or ([sending] if sending is not None else [])
        yield Candidate(OPT_OUT, ALL, REVIEW, "complaint", (late, *about))


def _refused_after(a: Analysis) -> Iterator[Candidate]:
    """ "Kirim info pesanan aja, promo jangan", "promoção não", "offers nahi": the offers, then a refusal
    closing the clause (review, marketing)."""
    if a.has("positive", "laugh", "question_mechanics", "trap") or not a.has("refusal_after"):
        return
    ignorable = {i for name in ("filler", "vague_object") for h in a.get(name) for i in range(h.start, h.end)}
    for clause in a.clauses:
        if clause.question:
            continue
        last = max((i for i in range(clause.start, clause.end) if i not in ignorable), default=None)
        if last is None:
            continue
        refusal = next((h for h in clause.get("refusal_after") if h.end - 1 == last), None)
        offers = [
            h for h in clause.get("marketing_noun") if refusal is not None and 0 <= refusal.start - h.end <= 1
        ]
        if refusal is not None and offers:
            yield Candidate(OPT_OUT, MARKETING, REVIEW, "no_more", (offers[0], refusal))
            return
