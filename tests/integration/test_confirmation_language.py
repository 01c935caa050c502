"""A confirmation is written in the customer's language: their words (script included), else the
number's country for a bare STOP, else the shop's country."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.providers.demo import DemoSender
from desktop_app.services.confirmations import ConfirmationTemplates, LanguageRules
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEMPLATES = ConfirmationTemplates.load_default()


def _sent_to(tmp_path: Path, phone: str, text: str, region: str = "US") -> str:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region=region) as book:
        settings = Settings(auto_mode=True, default_region=region)
        sender = DemoSender()
        pipeline = IngestPipeline(
            book, build_detector(settings), settings, sender=sender, clock=lambda: T0 + timedelta(minutes=1)
        )
        pipeline.ingest([InboundMessage("demo", "m1", ContactRef(phone), T0, text=text)])
        [(_to, confirmation)] = sender.sent
        return confirmation


def _standard(language: str) -> str:
    return TEMPLATES.render(language, "all").text


@pytest.mark.parametrize(
    ("phone", "text", "language"),
    [
        ("33612345678", "STOP", "fr"),  # a bare universal keyword: the number's country
        ("4915112345678", "Stop!", "de"),
        ("15550101234", "STOP", "en"),
        ("15550101234", "arrêtez de m'envoyer des messages", "fr"),  # their words win over the number
        ("919812345678", "mujhe message mat bhejo", "hi-Latn"),  # Hindi in Latin letters stays Latin
    ],
)
def test_the_confirmation_speaks_the_customer_s_language(
    tmp_path: Path, phone: str, text: str, language: str
) -> None:
    assert _sent_to(tmp_path, phone, text) == _standard(language)


def test_hindi_in_latin_letters_gets_no_devanagari(tmp_path: Path) -> None:
    text = _sent_to(tmp_path, "919812345678", "mujhe message mat bhejo")
    assert not any("\u0900" <= char <= "\u097f" for char in text)


def test_a_user_id_with_a_bare_stop_gets_the_shop_s_language() -> None:
    rules = LanguageRules.load_default()
    assert rules.choose("en", "STOP", "user:abc", "FR") == "fr"
    assert rules.choose(None, None, "user:abc", None) == "en"
    assert rules.region_language("+33612345678") == "fr"
    assert rules.is_universal("  stop!! ") and not rules.is_universal("stop the promos")
