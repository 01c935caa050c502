"""JourneyTexts: every language complete and within the Cloud API limits, fallbacks, overrides, keywords."""

from __future__ import annotations

import json
import re

import pytest

from desktop_app.domain.journeys import (
    MAX_BODY,
    MAX_BUTTON_TITLE,
    MAX_LIST_BUTTON,
    MAX_LIST_ROWS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    SCOPE_ALL,
    SCOPE_MARKETING,
    OutgoingMessage,
)
from desktop_app.domain.resources import resource_path
from desktop_app.services.journey_texts import JourneyTexts

TEXTS = JourneyTexts.load_default()
LANGUAGES = TEXTS.languages
CATEGORIES = ["all", "marketing", "order_updates"]
MAX_FOOTER = 60
EXPECTED_LANGUAGES = {f.stem for f in resource_path("confirmations").glob("*.json")}


def _english() -> dict[str, object]:
    return dict(json.loads(resource_path("journeys", "en.json").read_text(encoding="utf-8")))


def _all_messages(lang: str, shop: str) -> list[OutgoingMessage]:
    return [
        TEXTS.transparency(lang, shop, CATEGORIES, link="https://example.test/p/abc"),
        TEXTS.scope_question(lang, shop),
        TEXTS.scope_answer(lang, "all"),
        TEXTS.scope_answer(lang, "marketing"),
        TEXTS.preferences_menu(lang, shop, CATEGORIES, {"all": True, "marketing": True}),
        TEXTS.preferences_menu(lang, shop, CATEGORIES, {"all": False}),
        TEXTS.toggle_answer(lang, "marketing", now_on=True),
        TEXTS.toggle_answer(lang, "order_updates", now_on=False),
    ]


def test_same_languages_as_confirmations() -> None:
    assert set(LANGUAGES) == EXPECTED_LANGUAGES


@pytest.mark.parametrize("lang", sorted(EXPECTED_LANGUAGES))
def test_language_file_has_every_key_and_the_same_placeholders(lang: str) -> None:
    english = _english()
    data = json.loads(resource_path("journeys", f"{lang}.json").read_text(encoding="utf-8"))
    assert set(english) - {"language"} <= set(data)
    assert set(data["categories"]) == set(english["categories"])  # type: ignore[arg-type]
    assert "PREFERENCES" in data["preferences_keywords"]
    for key, value in english.items():
        if isinstance(value, str) and key != "language":
            assert set(re.findall(r"\{\w+\}", data[key])) == set(re.findall(r"\{\w+\}", value)), key
    assert data["preferences_word"] in data["preferences_keywords"]
    assert "STOP" in data["transparency"] and data["preferences_word"] in data["transparency"]


@pytest.mark.parametrize("lang", sorted(EXPECTED_LANGUAGES))
@pytest.mark.parametrize("shop", ["", "Ana's Bakery"])
def test_default_texts_fit_the_cloud_limits(lang: str, shop: str) -> None:
    for message in _all_messages(lang, shop):
        assert 0 < len(message.body) <= MAX_BODY
        assert "{" not in message.body
        assert all(len(b.title) <= MAX_BUTTON_TITLE for b in message.buttons)
        assert all(len(r.title) <= MAX_ROW_TITLE for r in message.rows)
        assert all(len(r.description) <= MAX_ROW_DESCRIPTION for r in message.rows)
        assert len(message.list_button) <= MAX_LIST_BUTTON
    assert 0 < len(TEXTS.reminder_footer(lang)) <= MAX_FOOTER


@pytest.mark.parametrize("lang", sorted(EXPECTED_LANGUAGES))
def test_scope_question_has_exactly_the_two_scope_buttons(lang: str) -> None:
    message = TEXTS.scope_question(lang, "Ana")
    assert [b.id for b in message.buttons] == [SCOPE_ALL, SCOPE_MARKETING]
    assert message.kind == "button"
    assert "Ana" in message.body


def test_english_scope_question_says_no_answer_keeps_everything_stopped() -> None:
    body = TEXTS.scope_question("en", "").body
    assert "everything stays stopped" in body
    assert "subscribed" not in body.lower()


def test_language_fallbacks() -> None:
    assert TEXTS.template_language("pt-BR") == "pt"
    assert TEXTS.template_language("hi_latn") == "hi-Latn"
    assert TEXTS.template_language("xx") == "en"
    assert TEXTS.template_language(None) == "en"
    assert TEXTS.scope_answer("pt-BR", "all").body == TEXTS.default_text("pt", "scope_answer_all")


def test_owner_override_is_used_and_bad_ones_fall_back() -> None:
    good = {"en": {"toggle_on": "{category} is back!", "scope_answer_all": "All stopped, {shop}."}}
    assert TEXTS.toggle_answer("en", "marketing", True, overrides=good).body == "Offers and news is back!"
    assert TEXTS.text("en", "scope_answer_all", good) == "All stopped, {shop}."
    bad = {"en": {"toggle_on": "It is back!", "toggle_off": "   ", "scope_question": "{shop}: which?"}}
    assert TEXTS.toggle_answer("en", "marketing", True, overrides=bad).body == "Offers and news: on again."
    assert TEXTS.toggle_answer("en", "marketing", False, overrides=bad).body == "Offers and news: stopped."
    unnamed = TEXTS.default_text("en", "scope_question_unnamed")
    assert TEXTS.scope_question("en", "", overrides=bad).body == unnamed
    assert TEXTS.scope_question("en", "Ana", overrides=bad).body == "Ana: which?"


def test_transparency_joins_categories_and_adds_the_link() -> None:
    body = TEXTS.transparency("en", "Ana", CATEGORIES, link="https://example.test/p").body
    assert "Ana sends you offers and news and order updates here." in body
    assert body.endswith("https://example.test/p")
    assert "https://" not in TEXTS.transparency("en", "", ["marketing"]).body


def test_preferences_menu_rows_and_states() -> None:
    message = TEXTS.preferences_menu(
        "en", "Ana", ["all", "marketing", "back_in_stock"], {"all": True, "marketing": True}
    )
    assert message.kind == "list"
    assert [(r.id, r.title, r.description) for r in message.rows] == [
        ("cd:toggle:marketing", "Offers and news", "On — tap to stop"),
        ("cd:toggle:back_in_stock", "Back in stock", "Off — tap to get again"),
        ("cd:toggle:all", "Stop everything", ""),
    ]
    everything_off = TEXTS.preferences_menu("es", "", ["marketing"], {"all": False})
    assert everything_off.rows[-1].title == "Recibir todo de nuevo"


def test_preferences_menu_keeps_at_most_ten_rows() -> None:
    many = [f"cat_{n}" for n in range(15)]
    rows = TEXTS.preferences_menu("en", "", many, {}).rows
    assert len(rows) == MAX_LIST_ROWS
    assert rows[-1].id == "cd:toggle:all"
    assert rows[-2].id == "cd:toggle:cat_8"


@pytest.mark.parametrize(
    "text",
    ["PREFERENCES", "Preferences!", "préférences", " PREFERENCIAS 🙏", "einstellungen", "Tercihler",
     "настройки", "التفضيلات", "पसंद", "voorkeuren.", "Mapendeleo", "preferências", "ustawienia"],
)
def test_preferences_request_positives(text: str) -> None:
    assert TEXTS.is_preferences_request(text)


@pytest.mark.parametrize(
    "text", [None, "", "  ", "STOP", "where are my preferences saved?", "preferences please"]
)
def test_preferences_request_negatives(text: str | None) -> None:
    assert not TEXTS.is_preferences_request(text)


def test_owner_extra_preferences_keyword() -> None:
    assert not TEXTS.is_preferences_request("Opciones")
    assert TEXTS.is_preferences_request("opciones!", extra_keywords=["OPCIONES"])


@pytest.mark.parametrize("text", ["menu", "Menu?", "MENÜ", "menú", "меню"])
def test_asking_for_the_shops_menu_is_not_the_preferences_menu(text: str) -> None:
    assert not TEXTS.is_preferences_request(text)  # a bakery's customer wants to see what is on offer
