"""Sentence rules: combinations of word classes that mean "stop messaging me" or "start again"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from desktop_app.domain.detection.analysis import FUNCTION_WORD, Analysis, Clause
from desktop_app.domain.detection.analysis import NOUNS as NOUN_CONCEPTS
from desktop_app.domain.detection.matcher import Hit
from desktop_app.domain.model import ALL, MARKETING, VerdictKind

OPT_OUT, OPT_IN = VerdictKind.OPT_OUT, VerdictKind.OPT_IN
# Confidence of the clear sentence rules and of the "review this" tier.
CLEAR = 0.92
LIKELY = 0.86
REVIEW = 0.62
MARKETING_ADJACENCY = 2  # "promo messages", "mensajes de promociones" are still marketing


class Candidate(NamedTuple):
    """A rule's proposal; the detector keeps the most confident one."""

    kind: VerdictKind
    scope: str
    confidence: float
    rule: str  # family name, e.g. "stop_messages"; the detector adds the language
    hits: tuple[Hit, ...]
    question: bool = False


def scope_of(clause: Clause | None, analysis: Analysis) -> str:
    """Marketing only when the request names offers/promos and nothing broader."""
    hits = clause.hits if clause is not None else analysis.by_concept
    marketing = hits.get("marketing_noun", [])
    if not marketing:
        return ALL
    negations = {h.start for h in hits.get("negation", ())}
    if any(h.start not in negations for h in hits.get("all_marker", ())):
        return ALL  # "nada" in "nada de promociones" is the refusal, not "everything"
    if analysis.has("only"):
        return MARKETING  # "only order updates, no promotions": a scope limit phrased positively
    for general in (*hits.get("message_noun", []), *hits.get("list_noun", [])):
        near = any(
            abs(general.start - m.start) <= MARKETING_ADJACENCY
            or abs(general.end - m.end) <= MARKETING_ADJACENCY
            for m in marketing
        )
        if not near:
            return ALL
    return MARKETING


def _objects_of(a: Analysis, verb: Hit, candidates: list[Hit]) -> list[Hit]:
    """Words the verb can act on: those after it, or anywhere in languages whose lexicon file says the
    object may come first ("Werbung stoppen", "mesajları durdurun": `free_word_order`)."""
    free = a.languages.free_word_order
    if verb.lang in free:
        return candidates
    return [h for h in candidates if h.start >= verb.end or h.lang in free]


def _stops_a_service(c: Clause, verb: Hit) -> bool:
    """ "kusitisha malipo ya uanachama", "stop my membership payments": the verb's first object is a
    service, not the messages (but "stop the order messages" names messages about an order)."""
    objects = sorted(
        (h for h in (*c.nouns(), *c.get("service_noun")) if h.start >= verb.end), key=lambda h: h.start
    )
    if not objects or objects[0].concept != "service_noun":
        return False
    service = objects[0]
    return not any(h.start == service.end and h.concept in NOUN_CONCEPTS for h in objects[1:])


def stop_messages(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "stop sending me offers", "dejen de escribirme", "offers wale message band kar do"."""
    for verb in c.get("stop_verb"):
        if c.negated(verb) or _stops_a_service(c, verb):
            continue
        nouns = _objects_of(a, verb, c.nouns())
        message_verbs = _objects_of(a, verb, c.get("message_verb"))
        after = a.continuation(c) if not (nouns or message_verbs) else None
        if after is not None and not after.has("negation", "negation_after", "stop_verb"):
            nouns, message_verbs = after.nouns(), after.get("message_verb")
        if nouns or message_verbs:
            yield Candidate(
                OPT_OUT, scope_of(c, a), CLEAR, "stop_messages", (verb, *nouns, *message_verbs), c.question
            )
            continue
        if c.has("service_noun"):
            continue
        for send in (*c.get("send_verb"), *c.get("receive_verb")):
            if send.start >= verb.end and a.only_vague_after(c, send.end):
                yield Candidate(OPT_OUT, ALL, LIKELY, "stop_messages", (verb, send), c.question)
                return


def _undoes_a_stop(c: Clause, neg: Hit) -> bool:
    """ "stop mat karo msg bhejna" (don't stop sending): the negation belongs to the stop word it follows."""
    after = [h for h in c.get("negation_after") if h.start == neg.start]
    return bool(after) and any(
        c.negated(stop) in after for stop in c.get("stop_verb") if stop.end <= neg.start
    )


def negated_sending(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "don't send me messages", "no quiero recibir ofertas", "bana mesaj atmayın"."""
    nouns = c.nouns()
    for concept in ("send_verb", "message_verb", "receive_verb", "want_verb"):
        for verb in c.get(concept):
            neg = c.negated(verb)
            if (
                neg is None
                or c.between("stop_verb", neg, verb)
                or c.has("positive")
                or _undoes_a_stop(c, neg)
            ):
                continue
            if concept == "receive_verb" and (c.question or c.has("past_marker", "past_negation")):
                continue  # "Ich habe keine Nachricht bekommen": a missing message, not a refusal
            objects = [
                n for n in nouns if n.end <= verb.start or n.start >= verb.end
            ]  # not "text" in "text me"
            implied = concept == "message_verb" and (
                c.has("more", "again") or a.only_vague_after(c, verb.end)
            )
            pause = c.has("until") and c.has("vague_object", "all_marker")  # "jangan kirim apa-apa sampai"
            vague = (
                concept == "send_verb"
                and (c.has("self", "more", "again") or pause)
                and a.only_vague_after(c, verb.end)
            )
            if objects or implied or vague:
                # "Não me mandem nada até janeiro": a pause is a revocation, but a human looks (call 2)
                confidence = REVIEW if c.has("until") else CLEAR
                yield Candidate(
                    OPT_OUT, scope_of(c, a), confidence, "do_not_send", (neg, verb, *objects), c.question
                )
    for fused in (*c.get("neg_send"), *c.get("neg_want")):
        pause = c.has("until") and c.has("vague_object")  # "hiçbir şey göndermeyin ocak'a kadar"
        if nouns or (fused.concept == "neg_send" and (c.has("self", "more") or pause)):
            confidence = REVIEW if c.has("until") else CLEAR
            yield Candidate(OPT_OUT, scope_of(c, a), confidence, "do_not_send", (fused, *nouns), c.question)


def no_more(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "no more offers", "keine Nachrichten mehr", "geen aanbiedingen meer"."""
    if c.question:
        return  # "No more deals this month?" asks about the shop, it does not refuse anything
    for neg in c.get("negation"):
        for noun in c.nouns():
            if noun.start < neg.end or noun.start - neg.end > 4:
                continue
            more = [m for m in c.get("more") if abs(m.start - noun.end) <= 3 or abs(m.start - neg.end) <= 1]
            if more and not c.has("positive") and _only_request_words(c, neg.end, noun.start):
                yield Candidate(OPT_OUT, scope_of(c, a), CLEAR, "no_more", (neg, more[0], noun), c.question)
                return
            if _bare_refusal(a, c, neg, noun):
                yield Candidate(OPT_OUT, scope_of(c, a), LIKELY, "no_more", (neg, noun), c.question)
                return


_REQUEST_WORDS = (
    "more",
    "vague_object",
    "self",
    "want_verb",
    "send_verb",
    "receive_verb",
    "message_verb",
    "filler",
)


def _only_request_words(c: Clause, start: int, end: int) -> bool:
    """ "don't want any more offers" qualifies, "don't need more offers" or "don't have more" does not."""
    covered = {i for concept in _REQUEST_WORDS for h in c.get(concept) for i in range(h.start, h.end)}
    return all(i in covered for i in range(start, end))


def _bare_refusal(a: Analysis, c: Clause, neg: Hit, noun: Hit) -> bool:
    """A clause that is only "no promos" / "keine Werbung" / "pas de pub" (plus fillers)."""
    if c.question or noun.start - neg.end > 1 or a.has("positive", "stop_verb"):
        return False
    fillers = {i for name in ("filler", "contrast") for h in c.get(name) for i in range(h.start, h.end)}
    return all(i in fillers for i in range(c.start, neg.start)) and a.only_vague_after(c, noun.end)


def remove_me(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "take me off your list", "remove my number", "sáquenme de su lista"."""
    nouns = c.nouns()
    if c.has("service_noun") and not c.has("message_noun", "marketing_noun"):
        return  # "take me off the Saturday class list" leaves a class, not the messages
    if c.has("come_back"):
        return  # "nehmt mich wieder in die Liste auf": taken back *onto* the list
    for verb in (*c.get("remove_verb"), *c.get("remove_self")):
        if c.negated(verb):
            continue
        numbers = c.get("self_number")
        fused = verb.concept == "remove_self"
        if numbers or (c.has("self") and nouns) or (fused and (nouns or a.only_vague_after(c, verb.end))):
            yield Candidate(OPT_OUT, scope_of(c, a), CLEAR, "remove_me", (verb, *numbers, *nouns), c.question)
        elif a.has("some_number") and not a.has("question_mechanics", "other_channel"):
            # "this was my late father's number, please delete it": someone else's number (review)
            yield Candidate(OPT_OUT, ALL, REVIEW, "remove_me", (verb, a.get("some_number")[0]), c.question)


def withdraw_consent(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "I withdraw my consent", "hiermit widerrufe ich meine Einwilligung gem. DSGVO", "trek ik mijn
    toestemming in", "wycofuję swoją zgodę": the withdrawal verb and the consent noun in one clause,
    in any order and with any words between them (the legal wording of GDPR Art. 7(3) and its peers)."""
    if c.has("hypothetical", "question_mechanics", "other_channel", "service_noun"):
        return
    nouns = list(c.get("consent_noun"))
    following = a.continuation(c)
    while not nouns and following is not None:  # "I hereby withdraw, under GDPR, any consent I gave"
        nouns = list(following.get("consent_noun"))
        following = a.continuation(following)
    for verb in c.get("withdraw_verb"):
        if nouns and not c.negated(verb):
            yield Candidate(OPT_OUT, scope_of(c, a), CLEAR, "withdraw_consent", (verb, nouns[0]), c.question)
            return


def unsubscribe_sentence(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "unsubscribe me from the weekly specials", "quiero darme de baja de las promociones"."""
    for verb in c.get("unsubscribe_verb"):
        if c.negated(verb) or c.has("service_noun"):
            continue
        nouns = c.nouns()
        alone = not c.question and not a.has("positive") and a.only_vague_after(c, verb.end)
        if nouns or c.has("self", "self_number", "want_verb", "message_verb") or alone:
            yield Candidate(OPT_OUT, scope_of(c, a), CLEAR, "unsubscribe", (verb, *nouns), c.question)


# Words a short stop request may hold besides the stop-family word ("I want to unsubscribe now").
_STOP_REQUEST_WORDS = (
    "stop_family",
    "polite_ask",
    "want_verb",
    "self",
    "self_number",
    "filler",
    "aside",
    "vague_object",
    "more",
    "all_marker",
    "message_noun",
    "marketing_noun",
    "list_noun",
    "unsubscribe_verb",
    "stop_verb",
    "kw_opt_out",
)


def stop_request(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "I want to unsubscribe", "quero sair", "je veux me désinscrire": a stop-family word in any form,
    in a clause holding nothing but request words."""
    if c.has("question_mechanics", "other_channel", "past_request"):
        return
    if c.question and not c.has("polite_ask"):
        return  # "can you stop?" asks for it; "stop?" alone may be a question about stopping
    if a.has("positive", "mistake", "keep_on", "service_noun") or not c.has(
        "want_verb", "self", "self_number", "polite_ask"
    ):
        return
    covered = {i for name in _STOP_REQUEST_WORDS for h in c.get(name) for i in range(h.start, h.end)}
    tokens = a.tokens
    unknown = [i for i in range(c.start, c.end) if i not in covered and not tokens[i].emoji]
    if len(unknown) > 2 or any(len(tokens[i].norm) > FUNCTION_WORD for i in unknown):
        return
    for word in c.get("stop_family"):
        if c.negated(word) is None:
            yield Candidate(OPT_OUT, scope_of(c, a), CLEAR, "stop_request", (word,), c.question)
            return


CLAUSE_OPT_OUT_RULES: tuple[Callable[[Analysis, Clause], Iterator[Candidate]], ...] = (
    stop_messages,
    negated_sending,
    no_more,
    remove_me,
    unsubscribe_sentence,
    withdraw_consent,
    stop_request,
)


def resume(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "resume promotions", "reativar mensagens", "riattiva le offerte"."""
    for verb in c.get("resume_verb"):
        if not c.negated(verb) and not c.has("stop_verb"):
            yield Candidate(OPT_IN, scope_of(c, a), CLEAR, "resume", (verb, *c.nouns()), c.question)


# Words that make "... again" a complaint ("why", "annoying", "every day", "too many").
_COMPLAINS = ("why", "annoyance", "angry", "too_many", "constant", "enough")


def again(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "send me offers again", "quero voltar a receber", "tekrar göndermeye başlayın"."""
    if not c.has("again") or c.has("stop_verb", "neg_send", "neg_want"):
        return
    again_at = {h.start for h in c.get("again")}
    if any(h.start not in again_at for name in _COMPLAINS for h in a.get(name)):
        return  # "why are you sending ads again": a complaint about the messages, not a request for more
    nouns = c.nouns()
    for concept in ("send_verb", "message_verb", "receive_verb", "want_verb", "start_verb", "subscribe_verb"):
        for verb in c.get(concept):
            if c.negated(verb):
                continue
            fused = concept == "message_verb" and a.only_vague_after(c, verb.end)  # "escribirme de nuevo"
            to_me = fused or (
                c.has("self", "self_number")
                and (concept in ("message_verb", "subscribe_verb") or a.only_vague_after(c, verb.end))
            )
            if nouns or to_me or concept == "subscribe_verb":
                yield Candidate(
                    OPT_IN, scope_of(c, a), CLEAR, "again", (c.get("again")[0], verb, *nouns), c.question
                )
                return


def start_sending(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "start sending me offers", "empiecen a mandarme promociones" (no "again" needed)."""
    if c.has("stop_verb", "neg_send", "neg_want", "service_noun"):
        return
    nouns = c.nouns()
    for start in c.get("start_verb"):
        if c.negated(start) or not nouns:
            continue
        for concept in ("send_verb", "message_verb", "receive_verb"):
            free = a.languages.free_word_order
            verb = next((v for v in c.get(concept) if v.start >= start.end or v.lang in free), None)
            if verb is not None and c.negated(verb) is None:
                yield Candidate(
                    OPT_IN, scope_of(c, a), LIKELY, "start_sending", (start, verb, *nouns), c.question
                )
                return


def add_back(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "add me back", "opt me back in", "add my number to your broadcast list"."""
    for phrase in c.get("add_back"):
        if not c.negated(phrase):
            yield Candidate(OPT_IN, scope_of(c, a), CLEAR, "add_back", (phrase,), c.question)
    for verb in c.get("add_verb"):
        if c.negated(verb) or c.has("service_noun"):
            continue
        if c.has("self_number") or (c.has("self") and c.has("list_noun", "again")):
            yield Candidate(OPT_IN, scope_of(c, a), LIKELY, "add_back", (verb,), c.question)


def subscribe_sentence(a: Analysis, c: Clause) -> Iterator[Candidate]:
    """ "subscribe me to the newsletter", "aanmelden voor aanbiedingen"."""
    for verb in c.get("subscribe_verb"):
        if c.negated(verb) or c.has("service_noun", "stop_verb"):
            continue
        nouns = c.nouns()
        if nouns or c.has("self", "self_number", "want_verb"):
            # "Je veux recevoir vos offres, inscrivez-moi": what they sign up for may be the other clause
            scope = scope_of(c if nouns else None, a)
            yield Candidate(OPT_IN, scope, LIKELY, "subscribe", (verb, *nouns), c.question)


CLAUSE_OPT_IN_RULES: tuple[Callable[[Analysis, Clause], Iterator[Candidate]], ...] = (
    resume,
    again,
    start_sending,
    add_back,
    subscribe_sentence,
)


# The word classes without which a rule cannot fire; checked first because this is the hot path.
_RULE_TRIGGERS: tuple[tuple[Callable[[Analysis, Clause], Iterator[Candidate]], frozenset[str]], ...] = (
    (stop_messages, frozenset({"stop_verb"})),
    (negated_sending, frozenset({"negation", "negation_after", "neg_send", "neg_want"})),
    (no_more, frozenset({"negation"})),
    (remove_me, frozenset({"remove_verb", "remove_self"})),
    (unsubscribe_sentence, frozenset({"unsubscribe_verb"})),
    (withdraw_consent, frozenset({"withdraw_verb"})),
    (stop_request, frozenset({"stop_family"})),
    (resume, frozenset({"resume_verb"})),
    (again, frozenset({"again"})),
    (start_sending, frozenset({"start_verb"})),
    (add_back, frozenset({"add_back", "add_verb"})),
    (subscribe_sentence, frozenset({"subscribe_verb"})),
)
CLAUSE_TRIGGERS = frozenset().union(*(triggers for _, triggers in _RULE_TRIGGERS))


def clause_candidates(a: Analysis) -> Iterator[Candidate]:
    if CLAUSE_TRIGGERS.isdisjoint(a.by_concept):
        return
    for clause in a.clauses:
        hits = clause.hits
        if not hits or "question_mechanics" in hits or CLAUSE_TRIGGERS.isdisjoint(hits):
            continue
        for rule, triggers in _RULE_TRIGGERS:
            if not triggers.isdisjoint(hits):
                yield from rule(a, clause)
