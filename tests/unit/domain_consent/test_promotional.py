"""The outgoing-text classifier: offers, prices and discounts in every supported language, not order news."""

from __future__ import annotations

import pytest

from desktop_app.domain.promotional import PromoLexicon, looks_promotional


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("Big sale: 20% off all croissants", "sale"),
        ("Soldes ! -30 % sur tout le magasin", "Soldes"),
        ("Gran oferta: dos por uno", "oferta"),
        ("Promoção de pães hoje", "Promoção"),
        ("Heute 2 Croissants für 3€", "3€"),
        ("Rabattaktion diese Woche", "Rabattaktion"),
        ("Скидка на всё", "Скидка"),
        ("आज सभी पर छूट", "छूट"),
        ("aaj sab pe chhoot hai", "chhoot"),
        ("Bugün indirim var", "indirim"),
        ("Diskon besar hari ini", "Diskon"),
        ("Punguzo la bei leo", "Punguzo"),
        ("Wielka wyprzedaż", "wyprzedaż"),
        ("Grote korting vandaag", "korting"),
        ("Saldi su tutto", "Saldi"),
        ("خصم على كل شيء", "خصم"),
        ("Use code BAKE10 at checkout", "Use code"),
        ("Only Rs 199 today", "Rs 199"),
    ],
)
def test_offers_prices_and_discounts_read_as_promotional(text: str, trigger: str) -> None:
    reading = looks_promotional(text)
    assert reading.promotional
    assert trigger in reading.triggers


@pytest.mark.parametrize(
    "text",
    [
        "Your order is ready for pickup.",
        "Are you free tomorrow at 10.30?",
        "Votre commande est prête",
        "We close at 5 pm on Sunday",
        "Pardon, erreur",
        "",
    ],
)
def test_order_news_and_chat_are_not_promotional(text: str) -> None:
    assert looks_promotional(text).promotional is False


def test_the_triggers_are_the_words_as_written_with_their_spans() -> None:
    text = "BIG SALE: 20% off"
    reading = looks_promotional(text)
    assert [text[a:b] for a, b in reading.spans] == list(reading.triggers)
    assert reading.triggers[0] == "SALE"
    assert reading.trigger_words().startswith("“SALE”")


def test_every_supported_language_has_offer_words() -> None:
    lexicon = PromoLexicon.load_default()
    expected = {"en", "es", "pt", "fr", "de", "it", "nl", "ar", "ar-Latn", "hi", "hi-Latn"}
    expected |= {"id", "tr", "ru", "sw", "pl"}
    assert expected <= set(lexicon.languages)


def test_bad_data_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="list of strings"):
        PromoLexicon.from_mapping({"words": {"en": "sale"}})
    with pytest.raises(ValueError, match="'words'"):
        PromoLexicon.from_mapping({})
