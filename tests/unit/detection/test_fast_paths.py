"""The detector's speed shortcuts give the same tokens, clauses and verdicts as the plain paths."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import Detector, Lexicon, normalize
from desktop_app.domain.detection.analysis import Analysis
from desktop_app.domain.detection.normalize import tokenize

TEXTS = [
    "STOP",
    "Stoooop please 🙏",
    "s t o p",
    "don't send me offers anymore",
    "Arrêtez de m'envoyer des promos, merci",
    "¿Pueden dejar de mandarme mensajes?",
    "I love the deals - but stop the daily texts",
    "أوقفوا الرسائل من فضلكم",
    "कृपया मैसेज बंद करो",
    "Bitte keine Werbung mehr!!!",
]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(Lexicon.load_default(), cache_size=0)


def test_chunk_table_never_changes_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    warm = [tokenize(text) for text in TEXTS]
    again = [tokenize(text) for text in TEXTS]  # now every chunk comes from the table
    monkeypatch.setattr(normalize, "_CHUNKS", {})
    monkeypatch.setattr(normalize, "_CHUNKS_LIMIT", 0)  # a full table: nothing is remembered
    cold = [tokenize(text) for text in TEXTS]
    assert warm == again == cold
    assert normalize._CHUNKS == {}


@pytest.mark.parametrize(
    ("text", "words", "clauses", "soft"),
    [
        ("stop - please", ["stop", "please"], 2, [1]),  # a dash between spaces is a soft break
        ("stop\t-\tplease", ["stop", "please"], 2, []),  # a break, but not one of the soft ones
        ("stop -please", ["stop", "please"], 1, []),  # no space after the dash: no break
        ("a - - b", ["a", "b"], 2, [1]),  # the first dash took the space the second one needed
        ("- stop", ["stop"], 1, []),
        ("stop - ", ["stop"], 1, [1]),
        ("Stop — merci", ["stop", "merci"], 2, [1]),
    ],
)
def test_dashes_between_spaces_still_split_clauses(
    text: str, words: list[str], clauses: int, soft: list[int]
) -> None:
    tokenized = tokenize(text)
    assert [token.norm for token in tokenized.tokens] == words
    assert (tokenized.clause_count, sorted(tokenized.soft)) == (clauses, soft)
    assert all(text[t.start : t.end].casefold() == t.norm for t in tokenized.tokens)


def test_single_clause_message_has_one_clause_with_every_hit(detector: Detector) -> None:
    tokenized = tokenize("please stop sending me these offers")
    analysis = Analysis(
        "please stop sending me these offers",
        tokenized,
        detector._index.find(tokenized.tokens),
        detector.lexicon.language_facts,
    )
    [clause] = analysis.clauses
    assert (clause.start, clause.end, clause.question) == (0, len(tokenized.tokens), False)
    assert clause.hits == analysis.by_concept
    assert clause.has("stop_verb") and not clause.has("negation")


def test_clauses_still_split_at_punctuation_and_contrast_words(detector: Detector) -> None:
    text = "Love your shop, but stop the texts. Really?"
    tokenized = tokenize(text)
    analysis = Analysis(
        text, tokenized, detector._index.find(tokenized.tokens), detector.lexicon.language_facts
    )
    assert len(analysis.clauses) >= 3
    assert analysis.clauses[-1].question
    assert [c.end for c in analysis.clauses[:-1]] == [c.start for c in analysis.clauses[1:]]
    assert sum(len(hits) for c in analysis.clauses for hits in c.hits.values()) == len(analysis.hits)


@pytest.mark.parametrize("text", TEXTS)
def test_verdicts_do_not_depend_on_a_warm_vocabulary(
    detector: Detector, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm = detector.classify(text)
    monkeypatch.setattr(normalize, "_CHUNKS", {})
    fresh = Detector(Lexicon.load_default(), cache_size=0)
    assert fresh.classify(text) == warm
