"""`consent-desk classify` and `consent-desk eval` end to end, through the real CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from desktop_app.cli import main

FIELDS = {"id", "verdict", "scope", "confidence", "auto", "language", "rule"}


def test_classify_reads_stdin_and_answers_every_line_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"id": "a", "text": "STOP"}),
        "this is not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": "can you stop by at 5?"}),
        json.dumps({"id": 5, "text": "", "button_payload": "STOP_PROMOTIONS"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "Sair"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["classify"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    assert set(out[0]) == FIELDS
    assert out[0]["id"] == "a" and out[0]["verdict"] == "opt_out" and out[0]["auto"] is True
    assert out[1]["line"] == 2 and "JSON" in out[1]["error"]
    assert out[2] == {"error": "missing 'text' (a string)", "line": 3}
    assert out[3]["verdict"] == "none" and out[3]["scope"] is None
    assert out[4]["id"] == 5 and out[4]["rule"] == "button:stop_promotions" and out[4]["scope"] == "marketing"
    assert "error" in out[5] and out[5]["line"] == 6
    assert out[6]["id"] is None and out[6]["verdict"] == "opt_out" and out[6]["language"] == "pt"


def test_classify_reads_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 1, "text": "START"})
        + "\n"
        + json.dumps({"id": 2, "text": "no más promociones"})
        + "\n",
        encoding="utf-8",
    )
    assert main(["classify", str(source)]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["verdict"] == "opt_in"
    assert second == {**second, "verdict": "opt_out", "scope": "marketing", "language": "es"}


def test_classify_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _write_corpus(path: Path) -> None:
    rows = [
        {"id": "1", "text": "STOP", "lang": "en", "label": "opt_out", "scope": "all", "kind": "keyword"},
        {
            "id": "2",
            "text": "can you stop by?",
            "lang": "en",
            "label": "none",
            "scope": None,
            "kind": "hard_negative",
        },
        {"id": "3", "text": "START", "lang": "en", "label": "opt_in", "scope": "all", "kind": "opt_in"},
        {
            "id": "4",
            "text": "no more promos",
            "lang": "en",
            "label": "opt_out",
            "scope": "marketing",
            "kind": "phrase",
        },
        {"id": "5", "text": "BAJA", "lang": "es", "label": "opt_out", "scope": "all", "kind": "keyword"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")


def test_eval_prints_the_metrics_and_language_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    _write_corpus(corpus)
    assert main(["eval", str(corpus)]) == 0
    captured = capsys.readouterr()
    assert "skipped line 6" in captured.err
    for label in (
        "opt-out recall",
        "precision of auto opt-outs",
        "review flags on hard negatives",
        "opt-in recall",
        "scope accuracy",
        "language",
    ):
        assert label in captured.out
    assert "es" in captured.out.split("language", 1)[1]


def test_eval_reports_every_split_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    _write_corpus(first)
    _write_corpus(second)
    assert main(["eval", str(first), str(second), "--rules-only"]) == 0
    out = capsys.readouterr().out
    assert f"== {first}" in out and f"== {second}" in out
    summary = out.split("== every split", 1)[1]
    assert "train.jsonl" in summary and "dev.jsonl" in summary
    assert "weakest language" in summary and ">= 99.8%" in summary


def test_eval_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.jsonl"
    _write_corpus(corpus)
    assert main(["eval", str(corpus), "--json", "--errors"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metrics"]["opt_out_recall"] == 1.0
    assert data["metrics"]["hard_negative_false_alarms"] == 0.0
    assert data["counts"]["rows"] == 5
    assert data["languages"]["es"]["rows"] == 1
    assert data["targets"]["opt_in_recall"]["met"] is True
    assert data["errors"] == []


def test_classify_survives_a_badly_encoded_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b'{"id": 1, "text": "STOP"}\n\xff\xfe broken\n{"id": 3, "text": "BAJA"}\n')
    assert main(["classify", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("verdict") for o in out] == ["opt_out", None, "opt_out"]
    assert out[1] == {"error": "line is not valid UTF-8", "line": 2}
