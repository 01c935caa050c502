"""Bare keywords in every language, with the noise real customers add."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import classify
from desktop_app.domain.model import EventSource, VerdictKind

# (text, language) pairs: platform keywords and the FCC 2025 revocation words.
OPT_OUT_KEYWORDS = [
    ("STOP", "en"),
    ("stop", "en"),
    ("Unsubscribe", "en"),
    ("CANCEL", "en"),
    ("end", "en"),
    ("QUIT", "en"),
    ("revoke", "en"),
    ("opt out", "en"),
    ("OPT-OUT", "en"),
    ("optout", "en"),
    ("STOPALL", "en"),
    ("BAJA", "es"),
    ("Cancelar", "es"),
    ("ALTO", "es"),
    ("parar", "es"),
    ("darme de baja", "es"),
    ("SAIR", "pt"),
    ("Pare", "pt"),
    ("DESCADASTRAR", "pt"),
    ("ARRET", "fr"),
    ("Arrêt", "fr"),
    ("désabonner", "fr"),
    ("Désinscription", "fr"),
    ("STOPP", "de"),
    ("Abmelden", "de"),
    ("ENDE", "de"),
    ("abbestellen", "de"),
    ("BASTA", "it"),
    ("Cancella", "it"),
    ("disiscrivimi", "it"),
    ("Afmelden", "nl"),
    ("uitschrijven", "nl"),
    ("إيقاف", "ar"),
    ("الغاء", "ar"),
    ("توقف", "ar"),
    ("बंद", "hi"),
    ("रोकें", "hi"),
    ("band karo", "hi-Latn"),
    ("bandh", "hi-Latn"),
    ("BERHENTI", "id"),
    ("UNREG", "id"),
    ("DUR", "tr"),
    ("İPTAL", "tr"),
    ("RET", "tr"),
    ("СТОП", "ru"),
    ("Отписаться", "ru"),
    ("SITISHA", "sw"),
    ("Wypisz", "pl"),
]


@pytest.mark.parametrize(("text", "language"), OPT_OUT_KEYWORDS)
def test_platform_keywords_are_automatic_opt_outs(text: str, language: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, text
    assert verdict.scope == "all"
    assert verdict.auto is True
    assert verdict.confidence >= 0.95
    assert verdict.language == language
    assert verdict.source is EventSource.KEYWORD
    assert verdict.rule.startswith(f"keyword:{language}:")


@pytest.mark.parametrize(
    "text",
    [
        "Stop.",
        "STOP!!!",
        "sToP",
        "  stop  ",
        "STOP 🛑",
        "✋ stop",
        "Unsubscribe 🙅",
        "STOP!!! 🙅‍♂️",
        "stoooop",
        "STOOOOP!!",
        "s t o p",
        "S.T.O.P",
        "stop stop",
        "STOP STOP STOP",
        "stop please",
        "STOP thanks",
        "Stop, sorry",
        "Stop please 🙏",
        "stop pls",
        "STOP thank you",
        "Stop pleaseeee",
        "stop now",
        "Unsubscribe pls",
        "Baja por favor 🙏",
        "Sair por favor",
        "STOP svp",
        "STOP grazie",
        "стоп пожалуйста",
        "stop kak",
        "STOP karo",
        "Abmelden bitte",
    ],
)
def test_noise_around_a_keyword_is_still_an_automatic_opt_out(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, text
    assert verdict.auto is True, text
    assert verdict.scope == "all"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("STPO", "stop"),
        ("unsubscibe", "unsubscribe"),
        ("unsubcribe", "unsubscribe"),
        ("st0p", "stop"),
        ("Unsubscrbe!", "unsubscribe"),
        ("canel", "cancel"),
    ],
)
def test_clear_typos_of_keywords_are_caught(text: str, meant: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.rule.endswith(":typo")
    assert meant in verdict.rule
    assert verdict.confidence < 0.95


@pytest.mark.parametrize("text", ["stock", "shop", "top", "step", "spot", "hello", "thanks", "ok"])
def test_short_real_words_are_not_mistaken_for_typos(text: str) -> None:
    assert classify(text).kind is VerdictKind.NONE, text


def test_a_keyword_asked_as_a_question_is_flagged_for_review_not_applied() -> None:
    verdict = classify("Unsubscribe?")
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.auto is False
    assert verdict.confidence < 0.85


def test_stop_sign_emoji_alone_is_an_opt_out_for_review() -> None:
    verdict = classify("🛑")
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.auto is False
    assert verdict.spans == ((0, 1),)


@pytest.mark.parametrize("text", ["enough", "no more", "band", "istemiyorum", "khalas"])
def test_ambiguous_single_words_go_to_review(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, text
    assert verdict.auto is False


def test_a_keyword_closing_a_longer_message_is_caught_for_review() -> None:
    verdict = classify("who gave you this number? STOP")
    assert verdict.kind is VerdictKind.OPT_OUT
    verdict = classify("I never asked for these, stop")
    assert verdict.kind is VerdictKind.OPT_OUT


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("START", "en"),
        ("unstop", "en"),
        ("Start please", "en"),
        ("Subscribe", "en"),
        ("ALTA", "es"),
        ("Anmelden", "de"),
        ("ISCRIVIMI", "it"),
        ("réabonnement svp", "fr"),
        ("اشتراك", "ar"),
        ("शुरू करें", "hi"),
        ("Подписаться", "ru"),
        ("Aanmelden", "nl"),
    ],
)
def test_opt_in_keywords(text: str, language: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_IN, text
    assert verdict.scope == "all"
    assert verdict.language == language
