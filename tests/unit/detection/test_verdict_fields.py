"""Every Verdict field is filled in a way the UI can show: rule ids, spans, explanation, language."""

from __future__ import annotations

import re

import pytest

from desktop_app.domain.detection import classify
from desktop_app.domain.model import VerdictKind


@pytest.mark.parametrize(
    ("text", "highlighted"),
    [
        ("Please STOP sending me these offers", ["STOP", "offers"]),
        ("  Stop.  ", ["Stop"]),
        ("Bórrenme de la lista por favor", ["Bórrenme", "lista"]),
        ("don't message me again", ["don't", "message me"]),
        ("s t o p", ["s t o p"]),
        ("STOOOOP 🛑", ["STOOOOP"]),
    ],
)
def test_spans_point_at_the_triggering_words_in_the_original_text(text: str, highlighted: list[str]) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT
    pieces = [text[start:end] for start, end in verdict.spans]
    for word in highlighted:
        assert word in pieces, (word, pieces)


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "no more promos",
        "take me off your list",
        "why do you keep texting me",
        "START",
        "wrong number",
    ],
)
def test_rule_ids_are_stable_machine_ids_and_explanations_are_one_sentence(text: str) -> None:
    verdict = classify(text)
    assert re.fullmatch(r"(keyword|phrase):[a-zA-Z-]+:[\w:]+", verdict.rule), verdict.rule
    assert verdict.explanation.startswith("They ")
    assert verdict.explanation.count(". ") <= 1
    assert verdict.explanation.endswith(".")
    assert classify(text) == verdict, "classification is deterministic"


def test_marketing_scope_explanation_reassures_about_order_updates() -> None:
    verdict = classify("no more promos")
    assert verdict.explanation == "They asked to stop promotional messages. Order updates can continue."


def test_bare_stop_explanation() -> None:
    assert classify("STOP").explanation == "They replied STOP: stop all messages."


def test_none_verdict_is_empty_but_still_guesses_the_language() -> None:
    verdict = classify("Сколько стоит торт?")
    assert verdict.kind is VerdictKind.NONE
    assert verdict.rule == "none"
    assert verdict.spans == ()
    assert verdict.source is None
    assert verdict.language == "ru"


@pytest.mark.parametrize("text", ["", "   ", None, "🙂", "12345", "?!"])
def test_empty_or_symbol_only_messages_are_none(text: str | None) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.NONE


def test_confidence_is_between_zero_and_one() -> None:
    for text in ["STOP", "stpo", "Unsubscribe?", "too many messages", "start", "hello"]:
        assert 0.0 <= classify(text).confidence <= 1.0
