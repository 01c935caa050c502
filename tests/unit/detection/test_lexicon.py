"""Keywords are data: loaded once from resources/lexicon, editable by the owner through overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.detection.lexicon import CONCEPTS
from desktop_app.domain.model import VerdictKind
from desktop_app.domain.resources import resource_path

REQUIRED_LANGUAGES = {
    "en",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "nl",
    "ar",
    "hi",
    "hi-Latn",
    "id",
    "tr",
    "ru",
    "sw",
    "pl",
}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load_default()


def test_shipped_lexicon_covers_every_required_language(lexicon: Lexicon) -> None:
    assert set(lexicon.languages) >= REQUIRED_LANGUAGES
    for lang in REQUIRED_LANGUAGES:
        assert lexicon.words(lang, "opt_out"), lang
        assert lexicon.words(lang, "opt_in"), lang


def test_every_shipped_file_is_valid_json_with_known_word_classes() -> None:
    for path in resource_path("lexicon").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data.get("concepts", {})) <= CONCEPTS, path.name


def test_owner_can_add_a_keyword(lexicon: Lexicon) -> None:
    assert Detector(lexicon).classify("chao pescao").kind is VerdictKind.NONE
    edited = lexicon.with_overrides(additions={"es": {"opt_out": ["chao pescao"]}})
    verdict = Detector(edited).classify("Chao pescao!")
    assert verdict.kind is VerdictKind.OPT_OUT
    assert verdict.rule == "keyword:es:chao_pescao"
    assert lexicon.words("es", "opt_out") != edited.words("es", "opt_out"), "the original is unchanged"


def test_owner_can_add_an_opt_in_keyword_for_a_new_language(lexicon: Lexicon) -> None:
    edited = lexicon.with_overrides(additions={"fi": {"opt_in": ["aloita"]}})
    verdict = Detector(edited).classify("ALOITA")
    assert verdict.kind is VerdictKind.OPT_IN
    assert verdict.language == "fi"


def test_owner_can_remove_a_keyword(lexicon: Lexicon) -> None:
    assert Detector(lexicon).classify("ALTO").kind is VerdictKind.OPT_OUT
    edited = lexicon.with_overrides(removals={"es": {"opt_out": ["alto"]}})
    assert Detector(edited).classify("ALTO").kind is VerdictKind.NONE
    assert Detector(edited).classify("BAJA").kind is VerdictKind.OPT_OUT


def test_overrides_reject_unknown_lists(lexicon: Lexicon) -> None:
    with pytest.raises(ValueError, match="opt_out"):
        lexicon.with_overrides(additions={"en": {"stop_verb": ["halt"]}})


def test_a_broken_lexicon_file_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "en.json").write_text('{"language": "en", "opt_out": ["stop"', encoding="utf-8")
    with pytest.raises(ValueError, match=r"en\.json"):
        Lexicon.from_files(tmp_path)


def test_unknown_word_class_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "xx.json").write_text(
        json.dumps({"language": "xx", "concepts": {"verbz": ["a"]}}), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="verbz"):
        Lexicon.from_files(tmp_path)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Lexicon.from_files(tmp_path)


def test_a_minimal_custom_lexicon_works(tmp_path: Path) -> None:
    (tmp_path / "xx.json").write_text(
        json.dumps({"language": "xx", "opt_out": ["halt"], "opt_in": ["go"]}), encoding="utf-8"
    )
    detector = Detector(Lexicon.from_files(tmp_path))
    assert detector.classify("HALT!").kind is VerdictKind.OPT_OUT
    assert detector.classify("go").kind is VerdictKind.OPT_IN
    assert detector.classify("stop").kind is VerdictKind.NONE


def test_removal_matches_the_folded_form(lexicon: Lexicon) -> None:
    edited = lexicon.with_overrides(removals={"fr": {"opt_out": ["ARRET"]}})
    assert "arrêt" not in edited.words("fr", "opt_out")
    assert "arrêt" in lexicon.words("fr", "opt_out")
