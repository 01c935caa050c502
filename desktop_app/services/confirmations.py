"""The one plain confirmation an opted-out customer receives, in their language, sent at most once."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

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


class ConfirmationTemplates:
    """Default texts per language from resources/confirmations, with the owner's overrides on top."""

    def __init__(self, defaults: Mapping[str, Mapping[str, str]]) -> None:
        if FALLBACK_LANGUAGE not in defaults:
            raise ValueError("confirmation templates need an English fallback")
        self._defaults = {lang: dict(texts) for lang, texts in defaults.items()}

    @classmethod
    def load_default(cls, folder: Path | None = None) -> ConfirmationTemplates:
        folder = folder or resource_path("confirmations")
        defaults: dict[str, dict[str, str]] = {}
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            defaults[str(data.get("language") or path.stem)] = {
                k: v for k, v in data.items() if k != "language" and isinstance(v, str)
            }
        return cls(defaults)

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
        lang = _base_language(language)
        if lang not in self._defaults:
            lang = FALLBACK_LANGUAGE
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
    ) -> None:
        self.outbox = outbox
        self.templates = templates
        self.clock = clock

    def confirm(
        self,
        event: ConsentEventRecord,
        language: str | None,
        *,
        shop_name: str = "",
        overrides: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> SendResult | None:
        """Send the confirmation for one opt-out event; None when none is due."""
        if event.action is not ConsentAction.OPT_OUT:
            return None
        moment = now or self.clock()
        if moment - event.occurred_at > REPLY_WINDOW:
            log.info("No confirmation for event %d: the 24-hour reply window has closed", event.id)
            self.outbox.record_skipped(event, "skipped: reply window closed")
            return None
        rendered = self.templates.render(language, event.category, shop_name, overrides)
        return self.outbox.send_confirmation(event, rendered.text)
