"""The chat journeys' texts per language (resources/journeys), with the owner's overrides on top."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from desktop_app.domain.journeys import (
    MAX_LIST_ROWS,
    SCOPE_ALL,
    SCOPE_MARKETING,
    TOGGLE_PREFIX,
    ListRow,
    OutgoingMessage,
    ReplyButton,
)
from desktop_app.domain.resources import resource_path
from desktop_app.services.confirmations import _base_language, _code, language_files

FALLBACK_LANGUAGE = "en"
ALL = "all"
SHOP_PLACEHOLDER = "{shop}"
# Placeholders a key's text must keep, else an owner's override of it is ignored.
REQUIRED_PLACEHOLDERS: Mapping[str, tuple[str, ...]] = {
    "toggle_on": ("{category}",),
    "toggle_off": ("{category}",),
    "transparency": ("{categories}",),
    "transparency_unnamed": ("{categories}",),
    "transparency_link": ("{link}",),
}
Overrides = Mapping[str, Mapping[str, str]]


class JourneyTexts:
    """Default journey texts per language and the messages built from them."""

    def __init__(self, defaults: Mapping[str, Mapping[str, Any]]) -> None:
        if FALLBACK_LANGUAGE not in defaults:
            raise ValueError("journey texts need an English fallback")
        self._defaults = {lang: dict(data) for lang, data in defaults.items()}
        self._keywords = frozenset(
            _normalise_word(word)
            for data in self._defaults.values()
            for word in data.get("preferences_keywords", [])
        )

    @classmethod
    def load_default(cls, folder: Path | None = None) -> JourneyTexts:
        return cls(language_files(folder or resource_path("journeys")))

    @property
    def languages(self) -> list[str]:
        return sorted(self._defaults)

    def template_language(self, language: str | None) -> str:
        """The code itself ('hi-Latn'), else its base language ('pt-BR' -> 'pt'), else English."""
        if language:
            code = _code(language)
            if code in self._defaults:
                return code
        lang = _base_language(language)
        return lang if lang in self._defaults else FALLBACK_LANGUAGE

    def default_text(self, language: str | None, key: str) -> str:
        lang = self.template_language(language)
        value = self._defaults[lang].get(key)
        if not isinstance(value, str):
            value = self._defaults[FALLBACK_LANGUAGE][key]
        return str(value)

    def text(
        self, language: str | None, key: str, overrides: Overrides | None = None, *, shop: str | None = None
    ) -> str:
        """The raw template for a key: the owner's override when usable, else the default.

        With `shop` given, an override that needs {shop} while `shop` is blank is not usable."""
        lang = self.template_language(language)
        custom = ((overrides or {}).get(lang) or {}).get(key)
        if custom and _usable_override(key, custom, shop):
            return custom.strip()
        return self.default_text(lang, key)

    def category_name(self, language: str | None, category: str) -> str:
        for lang in (self.template_language(language), FALLBACK_LANGUAGE):
            name = self._defaults[lang].get("categories", {}).get(category)
            if name:
                return str(name)
        return category.replace("_", " ").strip().capitalize() or category

    def is_preferences_request(self, text: str | None, extra_keywords: Iterable[str] = ()) -> bool:
        """Whether the whole message is a preferences word of any language or one of the owner's."""
        word = _normalise_word(text or "")
        if not word:
            return False
        return word in self._keywords or word in {_normalise_word(w) for w in extra_keywords}

    def transparency(
        self,
        language: str | None,
        shop: str,
        categories: Sequence[str],
        link: str | None = None,
        overrides: Overrides | None = None,
    ) -> OutgoingMessage:
        lang = self.template_language(language)
        lower = self._defaults[lang].get("lowercase_categories", True)  # German nouns keep their capital
        names = [self.category_name(lang, c) for c in categories if c != ALL]
        names = names or [self.category_name(lang, ALL)]
        joined = self._join(lang, [name.lower() if lower else name for name in names])
        body = self._shop_text(lang, "transparency", shop, overrides).replace("{categories}", joined)
        if link:
            body += "\n" + self.text(lang, "transparency_link", overrides).replace("{link}", link)
        return OutgoingMessage(body=body)

    def scope_question(
        self, language: str | None, shop: str, link: str | None = None, overrides: Overrides | None = None
    ) -> OutgoingMessage:
        lang = self.template_language(language)
        body = self._shop_text(lang, "scope_question", shop, overrides)
        if link:
            body += "\n" + self.text(lang, "transparency_link", overrides).replace("{link}", link)
        buttons = (
            ReplyButton(SCOPE_ALL, self.text(lang, "button_scope_all", overrides)),
            ReplyButton(SCOPE_MARKETING, self.text(lang, "button_scope_marketing", overrides)),
        )
        return OutgoingMessage(body=body, buttons=buttons)

    def scope_answer(
        self, language: str | None, scope: str, overrides: Overrides | None = None
    ) -> OutgoingMessage:
        key = "scope_answer_marketing" if scope == "marketing" else "scope_answer_all"
        return OutgoingMessage(body=self.text(language, key, overrides))

    def preferences_menu(
        self,
        language: str | None,
        shop: str,
        categories: Sequence[str],
        receiving: Mapping[str, bool],
        overrides: Overrides | None = None,
    ) -> OutgoingMessage:
        lang = self.template_language(language)
        rows = [
            ListRow(
                id=TOGGLE_PREFIX + category,
                title=self.category_name(lang, category),
                description=self.text(lang, "row_on" if receiving.get(category) else "row_off", overrides),
            )
            for category in categories
            if category != ALL
        ][: MAX_LIST_ROWS - 1]
        all_on = receiving.get(ALL, True)
        rows.append(
            ListRow(
                id=TOGGLE_PREFIX + ALL,
                title=self.text(lang, "row_all_stop" if all_on else "row_all_resume", overrides),
            )
        )
        return OutgoingMessage(
            body=self._shop_text(lang, "preferences_body", shop, overrides),
            rows=tuple(rows),
            list_button=self.text(lang, "preferences_button", overrides),
        )

    def toggle_answer(
        self, language: str | None, category: str, now_on: bool, overrides: Overrides | None = None
    ) -> OutgoingMessage:
        template = self.text(language, "toggle_on" if now_on else "toggle_off", overrides)
        return OutgoingMessage(body=template.replace("{category}", self.category_name(language, category)))

    def reminder_footer(self, language: str | None, overrides: Overrides | None = None) -> str:
        return self.text(language, "reminder_footer", overrides)

    def _shop_text(self, lang: str, key: str, shop: str, overrides: Overrides | None) -> str:
        shop = shop.strip()
        owner = ((overrides or {}).get(lang) or {}).get(key)
        if owner and _usable_override(key, owner, shop):
            return owner.strip().replace(SHOP_PLACEHOLDER, shop)
        if shop:
            return self.default_text(lang, key).replace(SHOP_PLACEHOLDER, shop)
        return self.text(lang, f"{key}_unnamed", overrides, shop="")

    def _join(self, lang: str, names: Sequence[str]) -> str:
        if len(names) <= 1:
            return "".join(names)
        conjunction = self.default_text(lang, "and")
        if self._defaults[lang].get("and_attaches"):  # Arabic: "و" is written onto the next word
            return f" {conjunction}".join(names)
        return f" {conjunction} ".join(names)


def _usable_override(key: str, text: str, shop: str | None) -> bool:
    if not text.strip():
        return False
    if SHOP_PLACEHOLDER in text and shop is not None and not shop.strip():
        return False
    return all(p in text for p in REQUIRED_PLACEHOLDERS.get(key, ()))


_EDGE_NOISE = re.compile(r"^[\W_]+|[\W_]+$")


def _normalise_word(text: str) -> str:
    """' Préférences! 🙏' -> 'preferences': casefolded, accents and edge punctuation/emoji dropped."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _EDGE_NOISE.sub("", bare)
