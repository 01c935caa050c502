"""The learned second opinion only ever raises a "none" to review, and explains itself in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.detection.normalize import tokenize
from desktop_app.domain.detection.second_opinion import SecondOpinion, model_text
from desktop_app.domain.model import VerdictKind
from desktop_app.services.detector_model import load_second_opinion

LEXICON = Lexicon.load_default()


def _always(label: str, probability: float):
    seen: list[str] = []

    def predict(line: str) -> Sequence[tuple[float, str]]:
        seen.append(line)
        rest = (1.0 - probability) / 2
        others = [name for name in ("opt_out", "opt_in", "none") if name != label]
        return [(probability, f"__label__{label}"), *((rest, f"__label__{o}") for o in others)]

    return predict, seen


def test_a_confident_model_raises_a_none_to_review_never_auto() -> None:
    predict, seen = _always("opt_out", 0.93)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    verdict = detector.classify("this is getting old, every week the same thing")
    assert verdict.kind is VerdictKind.OPT_OUT
    assert not verdict.auto and verdict.confidence < 0.85
    assert verdict.rule.startswith("model:")
    assert "please check" in verdict.explanation
    assert seen and seen[0].endswith("\n")


def test_below_the_threshold_the_rules_answer_stands() -> None:
    predict, _ = _always("opt_out", 0.55)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    assert detector.classify("see you on saturday").kind is VerdictKind.NONE


def test_the_model_never_changes_what_the_rules_found() -> None:
    predict, seen = _always("none", 0.99)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    verdict = detector.classify("STOP")
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto
    assert not seen  # only messages the rules answered "none" are read


def test_an_opt_in_reading_is_review_only_too() -> None:
    predict, _ = _always("opt_in", 0.9)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    verdict = detector.classify("ok fine, I changed my mind about the offers")
    assert verdict.kind is VerdictKind.OPT_IN and not verdict.auto


def test_the_model_reads_words_and_word_classes() -> None:
    text = "Why every day?"
    tokenized = tokenize(text)
    line = model_text(tokenized.tokens, {"why", "frequency", "filler"}, True)
    assert line.startswith("why every day ")
    assert "__why" in line and "__frequency" in line and "__question" in line
    assert "__filler" not in line
    assert Detector(LEXICON).model_input(text).startswith("why every day")


def test_no_model_file_means_rules_alone(tmp_path: Path) -> None:
    assert load_second_opinion(tmp_path) is None


def test_an_opt_in_reading_that_names_the_offers_is_for_the_offers() -> None:
    predict, _ = _always("opt_in", 0.9)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    verdict = detector.classify("ok fine, I changed my mind about the offers")
    assert verdict.kind is VerdictKind.OPT_IN and verdict.scope == "marketing"


def test_a_complaint_about_the_offers_read_by_the_model_covers_every_message() -> None:
    predict, _ = _always("opt_out", 0.93)
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(predict, 0.6))
    verdict = detector.classify("wow another sale, who could have guessed")
    assert verdict.rule.startswith("model:"), verdict.rule
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.scope == "all"
