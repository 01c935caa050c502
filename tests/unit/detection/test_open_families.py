"""Families the fresh corpus batch showed missed, each checked on phrasings written here, not in it."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import Lexicon, classify
from desktop_app.domain.detection.matcher import Index, without_words_inside_courtesy
from desktop_app.domain.detection.normalize import tokenize
from desktop_app.domain.model import VerdictKind

# A keyword opening a longer message whose rest no rule reads: reviewed, never applied.
LEADING_KEYWORD = [
    "STOP!!! uds no aprenden 😤",
    "STOP. ik vroeg het vorige maand ook al",
    "stop stop stop, mnachosha",
    "Unsubscribe 🙏 have a nice day",
    "STOPP. hab ich schon im Sommer gesagt",
]
# ... unless the rest says it was about something else.
LEADING_LOOK_ALIKES = [
    "STOP! I love that dress 😍",
    "Stop, don't ship it yet, wrong address",
    "ok stop, I get it now, thanks for explaining",
    "stop stop, I sent STOP by mistake",
]
# The withdrawal verb and the consent noun anywhere in one clause, in any order.
WITHDRAWALS = [
    "I hereby formally withdraw, under GDPR, any consent I gave to the shop",
    "Hiermit widerrufe ich gemäß DSGVO ausdrücklich meine erteilte Einwilligung",
    "Hierbij trek ik per direct mijn toestemming in",
    "Niniejszym wycofuję swoją wcześniejszą zgodę",
    "Настоящим отзываю ранее данное согласие",
]


@pytest.mark.parametrize("text", LEADING_KEYWORD)
def test_a_leading_keyword_goes_to_review(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, f"{text!r} -> {verdict.rule}"
    assert not verdict.auto, text
    assert verdict.rule.endswith(":leading") or verdict.rule.startswith(("phrase:", "keyword:")), verdict.rule


def test_a_leading_keyword_explains_itself() -> None:
    verdict = classify("Unsubscribe 🙏 have a nice day")
    assert verdict.rule.endswith(":leading")
    assert "please check" in verdict.explanation and "UNSUBSCRIBE" in verdict.explanation


@pytest.mark.parametrize("text", LEADING_LOOK_ALIKES)
def test_a_leading_keyword_about_something_else_is_not_applied(text: str) -> None:
    verdict = classify(text)
    assert not (verdict.kind is VerdictKind.OPT_OUT and verdict.auto), f"{text!r} -> {verdict.rule}"
    assert not verdict.rule.endswith(":leading"), f"{text!r} -> {verdict.rule}"


@pytest.mark.parametrize("text", WITHDRAWALS)
def test_a_consent_withdrawal_with_words_between(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, f"{text!r} -> {verdict.rule}"
    assert verdict.scope == "all"


def test_a_question_about_withdrawing_consent_is_no_request() -> None:
    verdict = classify("if I withdraw my consent, will I still get my receipts?")
    assert verdict.kind is not VerdictKind.OPT_OUT or not verdict.auto


@pytest.mark.parametrize(
    "text",
    ["why are you sending ads again", "зачем вы снова присылаете рекламу", "again you send me promos? why"],
)
def test_why_again_is_a_complaint_not_an_opt_in(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, f"{text!r} -> {verdict.rule}"
    assert not verdict.auto


@pytest.mark.parametrize("text", ["send me the offers again", "Присылайте снова акции"])
def test_again_still_asks_for_messages(text: str) -> None:
    assert classify(text).kind is VerdictKind.OPT_IN


def test_subscribe_takes_its_scope_from_the_other_clause() -> None:
    verdict = classify("I want your offers, sign me up")
    assert verdict.kind is VerdictKind.OPT_IN and verdict.scope == "marketing"


def test_stop_everything_naming_an_address_is_reviewed() -> None:
    verdict = classify("STOP nie wysyłajcie!! zły adres")
    assert not (verdict.kind is VerdictKind.OPT_OUT and verdict.auto), verdict.rule


def test_only_order_updates_stays_automatic() -> None:
    verdict = classify("only send me my order updates, no promos")
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.scope == "marketing" and verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "solo los avisos de mi pedido por whatsapp porfa, las promociones me sobran",
        "only the appointment reminders from the optician please, the sale stuff i can live without",
        "nur die Terminerinnerungen von der Fahrschule bitte, die Angebote brauch ich echt nicht mehr",
    ],
)
def test_a_long_scope_limit_that_names_the_offers_is_a_marketing_opt_out(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.scope == "marketing", f"{text!r} -> {verdict.rule}"
    assert not verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "only the blue one fits me, can you send the message with the address of the shop",
        "only my order updates please, and the promos too, love them",
    ],
)
def test_a_long_message_with_only_that_keeps_the_offers_is_chat(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.NONE, verdict.rule


@pytest.mark.parametrize(
    "text",
    [
        "retiro mi consentimiento, no quiero seguir recibiendo nada",
        "no quiero seguir recibiendo sus mensajes",
    ],
)
def test_a_negated_keep_on_is_no_opt_in(text: str) -> None:
    assert classify(text).kind is VerdictKind.OPT_OUT, text


@pytest.mark.parametrize(
    "text", ["STOP!!! ya van cuatro veces que lo pido", "STOPP. Hab ich schon zweimal geschrieben"]
)
def test_a_keyword_then_only_an_aside_about_asking_before_is_applied(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto, f"{text!r} -> {verdict.rule}"


@pytest.mark.parametrize(
    "text",
    [
        "6am?? a bookshop texting me at 6am",
        "sonntag morgens um 7 werbung vom baumarkt, echt jetzt?",
        "23h et encore une pub ??",
    ],
)
def test_promotions_at_night_by_the_clock_go_to_review(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto, f"{text!r} -> {verdict.rule}"


@pytest.mark.parametrize(
    "text",
    ["can I pick up my order at 6am?", "3 msgs today, all about my order?", "can you deliver at 11pm?"],
)
def test_clock_times_about_an_order_are_chat(text: str) -> None:
    assert classify(text).kind is VerdictKind.NONE, text


def test_a_wrong_number_on_a_top_up_is_no_denial() -> None:
    assert classify("recharge went to the wrong number, can you cancel it?").kind is VerdictKind.NONE


@pytest.mark.parametrize(
    "text", ["not the order, please stop these messages", "no los pedidos, cancelen los mensajes"]
)
def test_a_service_the_customer_rules_out_does_not_hide_the_request(text: str) -> None:
    assert classify(text).kind is VerdictKind.OPT_OUT, text


@pytest.mark.parametrize("text", ["STOP! dont ship the order", "cancel my order, not the messages"])
def test_stopping_an_order_stays_chat(text: str) -> None:
    assert classify(text).kind is VerdictKind.NONE, text


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (VerdictKind.OPT_OUT, "mosh 3ayez a5od ay rasayel tani"),
        (VerdictKind.OPT_IN, "zidni f la liste dyalkom svp"),
        (VerdictKind.OPT_OUT, "la merci, mch interessé f les promos"),
    ],
)
def test_arabizi_spellings(expected: VerdictKind, text: str) -> None:
    assert classify(text).kind is expected, text


@pytest.mark.parametrize(
    "text",
    ["can I be on your whatsapp list too?", "kann ich auch auf eure liste?", "mag ik ook op jullie lijst?"],
)
def test_asking_to_be_on_the_list_is_an_opt_in_for_review(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_IN and not verdict.auto, f"{text!r} -> {verdict.rule}"


def test_asking_how_the_list_works_is_chat() -> None:
    assert classify("how do I join your list?").kind is VerdictKind.NONE


@pytest.mark.parametrize(
    "text",
    [
        "oğlum telefonla oynarken STOP yazmış, beni listeden çıkarmayın",
        "My son typed STOP on my phone, keep me on the list",
    ],
)
def test_a_reported_stop_then_dont_remove_me_is_an_opt_in(text: str) -> None:
    assert classify(text).kind is VerdictKind.OPT_IN, text


def test_a_turkish_withdrawal_with_geri_stays_an_opt_out() -> None:
    assert classify("Mesaj alma onayımı geri çekiyorum").kind is VerdictKind.OPT_OUT


@pytest.mark.parametrize(
    "text",
    ["Abmelden bitte. Liebe Grüße, Familie Berger", "Abmeldung bitte, lg an das ganze Team"],
)
def test_a_courtesy_formula_is_no_praise(text: str) -> None:
    verdict = classify(text)  # "liebe" inside "liebe Grüße" said nothing about liking the messages
    assert verdict.kind is VerdictKind.OPT_OUT, f"{text!r} -> {verdict.rule}"


def test_the_words_of_a_courtesy_formula_are_not_read_alone() -> None:
    found = Index(Lexicon.load_default()).find(tokenize("liebe grüße").tokens)
    assert "positive" in {h.concept for h in found}
    assert {h.concept for h in without_words_inside_courtesy(found)} == {"filler"}


@pytest.mark.parametrize(
    "text", ["kirim promo lagi, gw blokir nih", "one more offer and i block this number"]
)
def test_a_block_threat_is_never_an_opt_in(text: str) -> None:
    verdict = classify(text)  # "send promo again and I block you" names "again" and "send"
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto, f"{text!r} -> {verdict.rule}"


def test_a_negation_that_undoes_a_stop_does_not_refuse_the_messages() -> None:
    verdict = classify("stop mat karo msg bhejna")  # Hinglish: "don't stop sending messages"
    assert verdict.kind is not VerdictKind.OPT_OUT, verdict.rule


def test_a_borrowed_little_word_is_not_that_languages_grammar() -> None:
    # "na" is "no" in Hinglish but a particle in Tagalog: no refusal of messages here
    verdict = classify("bago kong number na ito, dito nyo na ako i-message from now on")
    assert verdict.kind is not VerdictKind.OPT_OUT, verdict.rule
