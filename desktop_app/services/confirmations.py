"""The one plain confirmation an opted-out customer receives, in their language, sent at most once."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import phonenumbers

from desktop_app.domain.journeys import OutgoingMessage
from desktop_app.domain.model import MARKETING, ConsentAction, ConsentEventRecord
from desktop_app.domain.resources import resource_path
from desktop_app.providers.base import SendResult

if TYPE_CHECKING:
    from desktop_app.services.outbox import GuardedOutbox

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"
SHOP_PLACEHOLDER = "{shop}"
# Free-form messages are only allowed inside the 24-hour window the customer's message opened;
# a small margin keeps us from racing its end (and from answering week-old replayed webhooks).
REPLY_WINDOW = timedelta(hours=23, minutes=45)


@dataclass(frozen=True, slots=True)
class ConfirmationText:
    text: str
    language: str


def language_files(folder: Path) -> dict[str, dict[str, Any]]:
    """One JSON file per language in a resources folder, by its "language" (else its file name)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[str(data.get("language") or path.stem)] = data
    return found


class ConfirmationTemplates:
    """Default texts per language from resources/confirmations, with the owner's overrides on top."""

    def __init__(self, defaults: Mapping[str, Mapping[str, str]]) -> None:
        if FALLBACK_LANGUAGE not in defaults:
            raise ValueError("confirmation templates need an English fallback")
        self._defaults = {lang: dict(texts) for lang, texts in defaults.items()}

    @classmethod
    def load_default(cls, folder: Path | None = None) -> ConfirmationTemplates:
        files = language_files(folder or resource_path("confirmations"))
        return cls(
            {
                lang: {k: v for k, v in data.items() if k != "language" and isinstance(v, str)}
                for lang, data in files.items()
            }
        )

    @property
    def languages(self) -> list[str]:
        return sorted(self._defaults)

    def render(
        self,
        language: str | None,
        category: str,
        shop_name: str = "",
        overrides: Mapping[str, str] | None = None,
    ) -> ConfirmationText:
        """The text for this opt-out scope; unknown languages fall back to English."""
        lang = self.template_language(language)
        scope = MARKETING if category == MARKETING else "all"
        shop = shop_name.strip()
        owner = overrides or {}
        custom = owner.get(f"{lang}:{scope}") or owner.get(lang)
        if custom and custom.strip() and (shop or SHOP_PLACEHOLDER not in custom):
            return ConfirmationText(custom.strip().replace(SHOP_PLACEHOLDER, shop), lang)
        texts = self._defaults[lang]
        if shop:
            return ConfirmationText(texts[scope].replace(SHOP_PLACEHOLDER, shop), lang)
        return ConfirmationText(texts[f"{scope}_unnamed"], lang)


    def template_language(self, language: str | None) -> str:
        """The template that serves a language: the code itself ('hi-Latn', script included), else its
        base language ('pt-BR' -> 'pt'), else English."""
        if language:
            code = _code(language)
            if code in self._defaults:
                return code
        lang = _base_language(language)
        return lang if lang in self._defaults else FALLBACK_LANGUAGE


def _code(language: str) -> str:
    """'hi_latn' / 'HI-Latn' -> 'hi-Latn' (the file names' spelling)."""
    base, _, script = language.replace("_", "-").partition("-")
    return f"{base.lower()}-{script.title()}" if script else base.lower()


_NOT_LETTERS = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class LanguageRules:
    """Which language a confirmation is written in, when the customer's own words do not say it."""

    universal_keywords: frozenset[str] = frozenset()
    region_languages: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load_default(cls, path: Path | None = None) -> LanguageRules:
        path = path or resource_path("confirmations", "choosing", "language_rules.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            frozenset(_NOT_LETTERS.sub("", str(word)).casefold() for word in data["universal_keywords"]),
            {str(k).upper(): str(v) for k, v in data["region_languages"].items()},
        )

    def is_universal(self, text: str | None) -> bool:
        return bool(text) and _NOT_LETTERS.sub("", text or "").casefold() in self.universal_keywords

    def region_language(self, contact_key: str) -> str | None:
        if not contact_key.startswith("+"):
            return None
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(contact_key, None))
        except phonenumbers.NumberParseException:
            return None
        return self.region_languages.get(region or "")

    def choose(
        self, detected: str | None, text: str | None, contact_key: str, default_region: str | None
    ) -> str:
        """The customer's own language (script included), except for a bare universal keyword such
        as STOP, which says nothing about it: then the number's country, then the shop's."""
        if detected and not self.is_universal(text):
            return detected
        by_number = self.region_language(contact_key)
        if by_number:
            return by_number
        return self.region_languages.get((default_region or "").upper()) or detected or FALLBACK_LANGUAGE


def _base_language(language: str | None) -> str:
    """'pt-BR' / 'pt_BR' -> 'pt'."""
    if not language:
        return FALLBACK_LANGUAGE
    return language.replace("_", "-").split("-")[0].lower()


class ConfirmationSender:
    """Decides whether a confirmation is due and sends it through the outbox's one exception."""

    def __init__(
        self,
        outbox: GuardedOutbox,
        templates: ConfirmationTemplates,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        languages: LanguageRules | None = None,
    ) -> None:
        self.outbox = outbox
        self.templates = templates
        self.clock = clock
        self.languages = languages or LanguageRules.load_default()
        # The chat journeys' "everything or only offers?" question, when it replaces the plain text.
        self.ask_scope: Callable[[ConsentEventRecord, str], OutgoingMessage | None] | None = None

    def confirm(
        self,
        event: ConsentEventRecord,
        language: str | None,
        *,
        shop_name: str = "",
        overrides: Mapping[str, str] | None = None,
        now: datetime | None = None,
        default_region: str | None = None,
    ) -> SendResult | None:
        """Send the confirmation for one opt-out event; None when none is due.

        `language` is the detector's reading of the customer's message (LanguageRules.choose decides).
        """
        if event.action is not ConsentAction.OPT_OUT:
            return None
        moment = now or self.clock()
        if moment - event.occurred_at > REPLY_WINDOW:
            log.info("No confirmation for event %d: the 24-hour reply window has closed", event.id)
            self.outbox.record_skipped(event, "skipped: reply window closed")
            return None
        chosen = self.languages.choose(language, event.evidence_text, event.contact_key, default_region)
        question = self.ask_scope(event, chosen) if self.ask_scope is not None else None
        if question is not None:
            return self.outbox.send_confirmation(event, question)
        rendered = self.templates.render(chosen, event.category, shop_name, overrides)
        return self.outbox.send_confirmation(event, rendered.text)
