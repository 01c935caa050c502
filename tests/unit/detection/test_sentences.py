"""Whole sentences asking to stop or to start again, in every supported language."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import classify
from desktop_app.domain.model import EventSource, VerdictKind

# Phrasings written for these tests (not taken from the labelled corpus): (text, scope, language).
OPT_OUT_SENTENCES = [
    ("Please stop texting me", "all", "en"),
    ("stop contacting me please", "all", "en"),
    ("I'd like to be removed from this list", "all", "en"),
    ("Can you take me off this list?", "all", "en"),
    ("I don't wish to receive these messages", "all", "en"),
    ("please cease all communication", "all", "en"),
    ("do not contact me again", "all", "en"),
    ("delete my number from your system", "all", "en"),
    ("no more promos", "marketing", "en"),
    ("I don't want any more deals", "marketing", "en"),
    ("unsubscribe me from marketing", "marketing", "en"),
    ("I only want order updates, no marketing please", "marketing", "en"),
    ("Stop the discount messages but keep my delivery updates coming", "marketing", "en"),
    ("No me escriban más por favor", "all", "es"),
    ("Bórrenme de la lista", "all", "es"),
    ("no quiero más promociones", "marketing", "es"),
    ("Parem de me enviar mensagens", "all", "pt"),
    ("não quero receber mais ofertas", "marketing", "pt"),
    ("Arrêtez de m'envoyer des messages", "all", "fr"),
    ("plus de pub svp", "marketing", "fr"),
    ("Bitte schickt mir keine Nachrichten mehr", "all", "de"),
    ("Hören Sie auf, mir zu schreiben", "all", "de"),
    ("Keine Werbung bitte", "marketing", "de"),
    ("Smettete di mandarmi messaggi", "all", "it"),
    ("non voglio più ricevere offerte", "marketing", "it"),
    ("Stuur me geen berichten meer", "all", "nl"),
    ("geen reclame meer aub", "marketing", "nl"),
    ("لا ترسلوا لي رسائل", "all", "ar"),
    ("لا أريد العروض", "marketing", "ar"),
    ("मुझे मैसेज मत भेजिए", "all", "hi"),
    ("msg bhejna band karo", "all", "hi-Latn"),
    ("offers mat bhejo", "marketing", "hi-Latn"),
    ("jangan kirim pesan lagi", "all", "id"),
    ("ga mau promo lagi", "marketing", "id"),
    ("Bana mesaj göndermeyin", "all", "tr"),
    ("Reklam istemiyorum", "marketing", "tr"),
    ("Не присылайте мне сообщения", "all", "ru"),
    ("Не хочу рекламу", "marketing", "ru"),
    ("Nie piszcie do mnie więcej", "all", "pl"),
    ("Nie chcę reklam", "marketing", "pl"),
    ("Acheni kunitumia meseji", "all", "sw"),
    ("Sitaki matangazo", "marketing", "sw"),
]


@pytest.mark.parametrize(("text", "scope", "language"), OPT_OUT_SENTENCES)
def test_sentences_asking_to_stop(text: str, scope: str, language: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, text
    assert verdict.scope == scope, text
    assert verdict.language == language, text
    assert verdict.source is EventSource.PHRASE
    assert verdict.rule.startswith(f"phrase:{language}:")
    assert verdict.spans, "the words that triggered it are highlighted"


@pytest.mark.parametrize(
    "text",
    [
        "why do you keep messaging me",
        "too many messages from this shop 😡",
        "I never gave you permission to text me",
        "wrong number",
        "who gave you my number??",
        "this is spam",
        "I'll block you if this continues",
        "Not interested in your deals",
        "demasiados mensajes la verdad",
        "Ständig diese Werbung",
    ],
)
def test_complaints_and_denied_consent_are_opt_outs_for_review(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT, text
    assert verdict.auto is False, text


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("please start sending me messages again", "all"),
        ("I want to get your messages again", "all"),
        ("send me the deals again please", "marketing"),
        ("I'd like to receive promotions again", "marketing"),
        ("add me back to the list", "all"),
        ("I typed STOP by mistake, please add me back", "all"),
        ("YES to offers!", "marketing"),
        ("quiero recibir las ofertas otra vez", "marketing"),
        ("quero receber as ofertas de novo", "marketing"),
        ("Je veux recevoir vos promos à nouveau", "marketing"),
        ("Bitte schickt mir wieder eure Angebote", "marketing"),
        ("Mandatemi di nuovo le offerte", "marketing"),
        ("offers phir se bhejo", "marketing"),
        ("kirim promo lagi dong", "marketing"),
        ("Kampanyaları tekrar gönderin", "marketing"),
        ("Присылайте снова акции", "marketing"),
        ("Wyślijcie mi znowu promocje", "marketing"),
        ("Anza tena", "all"),
    ],
)
def test_requests_to_start_again(text: str, scope: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_IN, text
    assert verdict.scope == scope, text


def test_clear_sentences_are_automatic_but_questions_are_reviewed() -> None:
    assert classify("please stop sending me these offers").auto is True
    question = classify("can you stop sending me these offers?")
    assert question.kind is VerdictKind.OPT_OUT
    assert question.auto is False


def test_long_messages_are_never_applied_automatically() -> None:
    text = "Please stop sending me messages. " + "I have explained my situation at length. " * 10
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.auto is False


@pytest.mark.parametrize(
    ("text", "kind", "scope"),
    [
        ("Can I stop receiving these?", VerdictKind.OPT_OUT, "all"),
        ("I'd like to start receiving your offers", VerdictKind.OPT_IN, "marketing"),
        ("empiecen a mandarme promociones", VerdictKind.OPT_IN, "marketing"),
        ("Start the repair and send me updates", VerdictKind.NONE, None),
    ],
)
def test_start_and_stop_receiving(text: str, kind: VerdictKind, scope: str | None) -> None:
    verdict = classify(text)
    assert verdict.kind is kind, text
    assert verdict.scope == scope
