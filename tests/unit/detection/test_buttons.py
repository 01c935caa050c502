"""Quick-reply buttons: Meta's "Stop promotions" / "Resume promotions" are exact signals."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import classify
from desktop_app.domain.model import EventSource, VerdictKind


@pytest.mark.parametrize(
    ("payload", "label", "language"),
    [
        ("STOP_PROMOTIONS", "Stop promotions", "en"),
        ("Stop promotions", "Stop promotions", "en"),
        (None, "Parar promoções", "pt"),
        (None, "PARAR PROMOCOES", "pt"),
        (None, "Detener promociones", "es"),
        (None, "Arrêter les promotions", "fr"),
        (None, "Werbung stoppen", "de"),
        ("STOP_PROMOTIONS", None, "en"),
    ],
)
def test_stop_promotions_button_is_exact(
    payload: str | None, label: str | None, language: str | None
) -> None:
    verdict = classify(label or "", button_payload=payload, button_text=label)
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.scope == "marketing"
    assert verdict.confidence == 1.0
    assert verdict.auto is True
    assert verdict.rule == "button:stop_promotions"
    assert verdict.source is EventSource.BUTTON
    assert verdict.language == language
    assert "promotional" in verdict.explanation


@pytest.mark.parametrize(
    ("payload", "label"), [("RESUME_PROMOTIONS", "Resume promotions"), (None, "Retomar promoções")]
)
def test_resume_promotions_button_is_an_exact_opt_in(payload: str | None, label: str) -> None:
    verdict = classify(label, button_payload=payload, button_text=label)
    assert verdict.kind is VerdictKind.OPT_IN
    assert verdict.scope == "marketing"
    assert verdict.confidence == 1.0
    assert verdict.auto is True
    assert verdict.rule == "button:resume_promotions"


@pytest.mark.parametrize(
    ("label", "kind", "scope"),
    [
        ("Unsubscribe", VerdictKind.OPT_OUT, "all"),
        ("No more offers", VerdictKind.OPT_OUT, "marketing"),
        ("Stop all messages", VerdictKind.OPT_OUT, "all"),
        ("Yes, send me offers", VerdictKind.OPT_IN, "marketing"),
    ],
)
def test_other_reply_buttons_are_classified_by_their_text_with_high_confidence(
    label: str, kind: VerdictKind, scope: str
) -> None:
    verdict = classify(label, button_payload="btn_7", button_text=label)
    assert verdict.kind is kind
    assert verdict.scope == scope
    assert verdict.confidence >= 0.95
    assert verdict.source is EventSource.BUTTON
    assert not verdict.rule.startswith("button:")


@pytest.mark.parametrize("label", ["Yes", "Book now", "See the menu", "Call us"])
def test_ordinary_buttons_are_not_requests(label: str) -> None:
    assert classify(label, button_payload="ANY", button_text=label).kind is VerdictKind.NONE


def test_typed_button_label_is_recognised_as_a_phrase() -> None:
    verdict = classify("Stop promotions")
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.scope == "marketing"
    assert verdict.source is EventSource.PHRASE
    assert verdict.auto is True
