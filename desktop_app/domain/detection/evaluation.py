"""Scores a detector on a labelled corpus (the format of `shared/corpus/optout-dev.jsonl`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.domain.detection.detector import Detector
from desktop_app.domain.model import Verdict, VerdictKind

# The targets: (metric, threshold, True when higher is better).
TARGETS: tuple[tuple[str, float, bool], ...] = (
    ("opt_out_recall", 0.97, True),  # review tier included
    ("auto_precision", 0.998, True),
    ("keyword_auto_rate", 0.80, True),
    ("hard_negative_false_alarms", 0.05, False),  # review flags on hard negatives
    ("opt_in_recall", 0.95, True),
    ("scope_accuracy", 0.95, True),
    ("min_language_recall", 0.90, True),  # opt-out recall of the weakest language
)
MIN_LANGUAGE_ROWS = 3  # languages with fewer opt-outs than this say nothing about the language


@dataclass(frozen=True, slots=True)
class Scored:
    row: Mapping[str, Any]
    verdict: Verdict

    @property
    def correct(self) -> bool:
        return self.verdict.kind.value == self.row.get("label")


@dataclass
class Report:
    metrics: dict[str, float | None]
    counts: dict[str, int]
    languages: dict[str, dict[str, float | int | None]]
    errors: list[Scored] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "counts": self.counts,
            "targets": {
                name: {"target": t, "higher_is_better": up, "met": self.met(name)} for name, t, up in TARGETS
            },
            "languages": self.languages,
            "errors": [
                {
                    "id": s.row.get("id"),
                    "text": s.row.get("text"),
                    "label": s.row.get("label"),
                    "scope": s.row.get("scope"),
                    "kind": s.row.get("kind"),
                    "verdict": s.verdict.kind.value,
                    "verdict_scope": s.verdict.scope,
                    "confidence": s.verdict.confidence,
                    "auto": s.verdict.auto,
                    "rule": s.verdict.rule,
                }
                for s in self.errors
            ],
        }

    def met(self, name: str) -> bool | None:
        for metric, target, higher in TARGETS:
            if metric == name:
                value = self.metrics.get(name)
                if value is None:
                    return None
                return value >= target if higher else value <= target
        return None


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate(detector: Detector, rows: Iterable[Mapping[str, Any]]) -> Report:
    scored = [
        Scored(row, detector.classify(str(row.get("text", "")), button_payload=row.get("button_payload")))
        for row in rows
    ]
    opt_out = [s for s in scored if s.row.get("label") == "opt_out"]
    opt_in = [s for s in scored if s.row.get("label") == "opt_in"]
    auto_out = [s for s in scored if s.verdict.kind is VerdictKind.OPT_OUT and s.verdict.auto]
    keyword = [s for s in opt_out if s.row.get("kind") == "keyword"]
    hard = [s for s in scored if s.row.get("kind") == "hard_negative"]
    caught = [s for s in opt_out if s.verdict.kind is VerdictKind.OPT_OUT]
    metrics = {
        "opt_out_recall": _ratio(len(caught), len(opt_out)),
        "auto_precision": _ratio(sum(s.row.get("label") == "opt_out" for s in auto_out), len(auto_out)),
        "keyword_auto_rate": _ratio(
            sum(s.verdict.kind is VerdictKind.OPT_OUT and s.verdict.auto for s in keyword), len(keyword)
        ),
        "hard_negative_false_alarms": _ratio(sum(s.verdict.is_request for s in hard), len(hard)),
        "opt_in_recall": _ratio(sum(s.verdict.kind is VerdictKind.OPT_IN for s in opt_in), len(opt_in)),
        "scope_accuracy": _ratio(sum(s.verdict.scope == s.row.get("scope") for s in caught), len(caught)),
        "accuracy": _ratio(sum(s.correct for s in scored), len(scored)),
    }
    languages = _per_language(scored)
    recalls = [
        float(row["opt_out_recall"])
        for row in languages.values()
        if row["opt_out_recall"] is not None and int(row["opt_outs"] or 0) >= MIN_LANGUAGE_ROWS
    ]
    metrics["min_language_recall"] = round(min(recalls), 4) if recalls else None
    counts = {
        "rows": len(scored),
        "opt_out": len(opt_out),
        "opt_in": len(opt_in),
        "auto_opt_outs": len(auto_out),
        "bare_keywords": len(keyword),
        "hard_negatives": len(hard),
    }
    errors = [
        s
        for s in scored
        if not s.correct
        or (s.row.get("label") != "none" and s.verdict.is_request and s.verdict.scope != s.row.get("scope"))
    ]
    return Report(metrics, counts, languages, errors)


def _per_language(scored: list[Scored]) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        groups[str(s.row.get("lang", "?"))].append(s)
    table: dict[str, dict[str, float | int | None]] = {}
    for lang in sorted(groups):
        rows = groups[lang]
        out = [s for s in rows if s.row.get("label") == "opt_out"]
        none = [s for s in rows if s.row.get("label") == "none"]
        table[lang] = {
            "rows": len(rows),
            "opt_outs": len(out),
            "accuracy": _ratio(sum(s.correct for s in rows), len(rows)),
            "opt_out_recall": _ratio(sum(s.verdict.kind is VerdictKind.OPT_OUT for s in out), len(out)),
            "false_alarms": sum(s.verdict.is_request for s in none),
            "language_match": _ratio(sum(s.verdict.language == lang for s in rows), len(rows)),
        }
    return table
