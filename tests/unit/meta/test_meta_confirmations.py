"""Confirmation templates: every default language complete and plain; fallbacks and owner overrides."""

from __future__ import annotations

import re

import pytest

from desktop_app.services.confirmations import ConfirmationTemplates

LANGUAGES = ["ar", "de", "en", "es", "fr", "hi", "hi-Latn", "id", "it", "nl", "pl", "pt", "ru", "sw", "tr"]
MARKETING_WORDS = re.compile(r"(?i)(%|discount|sale|offer ends|http|www\.|buy now|coupon)")


@pytest.fixture(scope="module")
def templates() -> ConfirmationTemplates:
    return ConfirmationTemplates.load_default()


def test_every_default_language_is_complete_and_plain(templates: ConfirmationTemplates) -> None:
    assert templates.languages == LANGUAGES
    for lang in LANGUAGES:
        for category in ("all", "marketing"):
            named = templates.render(lang, category, "Corner Shop")
            unnamed = templates.render(lang, category, "")
            assert named.language == unnamed.language == lang
            assert "Corner Shop" in named.text and "{shop}" not in named.text
            assert "{shop}" not in unnamed.text and "Corner Shop" not in unnamed.text
            for text in (named.text, unnamed.text):
                assert "START" in text, (lang, category)
                assert not MARKETING_WORDS.search(text), (lang, category, text)
                assert len(text) < 300
        assert templates.render(lang, "all", "X").text != templates.render(lang, "marketing", "X").text


def test_language_fallbacks(templates: ConfirmationTemplates) -> None:
    assert templates.render("pt-BR", "all", "Loja").language == "pt"
    assert templates.render("es_MX", "all", "Tienda").language == "es"
    assert templates.render("ar-Latn", "all", "Shop").language == "ar"
    assert templates.render("xx", "all", "Shop").language == "en"
    assert templates.render(None, "all", "Shop").language == "en"


def test_marketing_scope_and_other_categories(templates: ConfirmationTemplates) -> None:
    marketing = templates.render("en", "marketing", "Corner Shop").text
    assert "offers" in marketing and "orders" in marketing
    assert (
        templates.render("en", "order_updates", "Corner Shop").text
        == templates.render("en", "all", "Corner Shop").text
    )


def test_owner_overrides(templates: ConfirmationTemplates) -> None:
    overrides = {"es": "Listo, {shop} no te escribirá más.", "en:marketing": "No more offers from {shop}."}
    assert (
        templates.render("es", "all", "Tienda Sol", overrides).text
        == "Listo, Tienda Sol no te escribirá más."
    )
    assert templates.render("en", "marketing", "Corner", overrides).text == "No more offers from Corner."
    assert (
        templates.render("en", "all", "Corner", overrides).text
        == templates.render("en", "all", "Corner").text
    )
    # an override that needs the shop name falls back to the default while no name is set
    assert templates.render("es", "all", "", overrides).text == templates.render("es", "all", "").text


def test_owner_text_is_not_a_format_string(templates: ConfirmationTemplates) -> None:
    sneaky = {"en": "{shop.__class__} {0} {shop}"}
    assert templates.render("en", "all", "Shop", sneaky).text == "{shop.__class__} {0} Shop"


def test_english_fallback_is_required() -> None:
    with pytest.raises(ValueError, match="English"):
        ConfirmationTemplates({"es": {"all": "x"}})


def test_a_script_variant_has_its_own_template(templates: ConfirmationTemplates) -> None:
    latin = templates.render("hi-Latn", "all", "Shop")
    assert latin.language == "hi-Latn"
    assert latin.text.isascii()
    assert templates.render("hi_latn", "all", "Shop").language == "hi-Latn"
