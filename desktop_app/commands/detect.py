"""`consent-desk classify` (JSON Lines in, verdicts out) and `consent-desk eval` (score a corpus)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from desktop_app.commands.context import CommandContext
from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.detection.evaluation import TARGETS, Report, evaluate

_detectors: dict[bool, Detector] = {}


def shipped_detector(rules_only: bool = False) -> Detector:
    """The shipped lexicon plus, unless `rules_only`, the learned second opinion (review only)."""
    found = _detectors.get(rules_only)
    if found is None:
        from desktop_app.services.detector_model import load_second_opinion

        opinion = None if rules_only else load_second_opinion()
        found = _detectors[rules_only] = Detector(Lexicon.load_default(), second_opinion=opinion)
    return found


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    classify_parser = subparsers.add_parser(
        "classify",
        parents=[common],
        help="classify JSON Lines messages (text, id, button_payload) as opt-out / opt-in",
    )
    classify_parser.add_argument("file", nargs="?", help="JSON Lines file (default: standard input)")
    classify_parser.set_defaults(handler=run_classify)

    eval_parser = subparsers.add_parser(
        "eval", parents=[common], help="score the detector on a labelled corpus (JSON Lines)"
    )
    eval_parser.add_argument(
        "corpus",
        nargs="+",
        help="labelled corpora, e.g. corpus/train.jsonl corpus/dev.jsonl ../shared/corpus/optout-dev.jsonl",
    )
    eval_parser.add_argument(
        "--rules-only", action="store_true", help="score the rules without the learned second opinion"
    )
    eval_parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    eval_parser.add_argument(
        "--errors", action="store_true", help="also list the rows the detector got wrong"
    )
    eval_parser.set_defaults(handler=run_eval)


def classify_line(detector: Detector, line: str | bytes, number: int) -> dict[str, Any]:
    """One output object for one input line; never raises for bad input."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return {"error": "line is not valid UTF-8", "line": number}
    line = line.lstrip("\ufeff").rstrip("\r\n")
    try:
        item = json.loads(line)
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return {"error": f"line is not valid JSON: {reason}", "line": number}
    if not isinstance(item, dict):
        return {"error": "line must be a JSON object with a 'text' field", "line": number}
    text = item.get("text")
    if not isinstance(text, str):
        return {"error": "missing 'text' (a string)", "line": number}
    payload = item.get("button_payload")
    button_text = item.get("button_text")
    verdict = detector.classify(
        text,
        button_payload=payload if isinstance(payload, str) else None,
        button_text=button_text if isinstance(button_text, str) else None,
    )
    return {
        "id": item.get("id"),
        "verdict": verdict.kind.value,
        "scope": verdict.scope,
        "confidence": verdict.confidence,
        "auto": verdict.auto,
        "language": verdict.language,
        "rule": verdict.rule,
    }


def classify_stream(detector: Detector, lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        yield classify_line(detector, line, number)


def run_classify(args: argparse.Namespace, ctx: CommandContext) -> int:
    detector = shipped_detector()
    if args.file:
        try:
            with open(args.file, "rb") as source:
                _write_all(detector, source, sys.stdout)
        except OSError as exc:
            print(f"cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        return 0
    # Bytes, so one badly encoded line becomes an error object instead of ending the run.
    stdin: Iterable[str | bytes] = getattr(sys.stdin, "buffer", sys.stdin)
    _write_all(detector, stdin, sys.stdout)
    return 0


def _write_all(detector: Detector, source: Iterable[str | bytes], out: TextIO) -> None:
    for result in classify_stream(detector, source):
        # ASCII escapes keep every line valid output whatever the console encoding or odd input.
        out.write(json.dumps(result) + "\n")
        out.flush()


def _read_corpus(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    with open(path, encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {number}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or "label" not in row:
                problems.append(f"line {number}: needs 'text' and 'label'")
                continue
            rows.append(row)
    return rows, problems


def run_eval(args: argparse.Namespace, ctx: CommandContext) -> int:
    reports: list[tuple[str, Report]] = []
    detector = shipped_detector(rules_only=args.rules_only)
    for corpus in args.corpus:
        try:
            rows, problems = _read_corpus(Path(corpus))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"cannot read {corpus}: {exc}", file=sys.stderr)
            return 2
        for problem in problems:
            print(f"skipped {problem} ({corpus})", file=sys.stderr)
        if not rows:
            print(f"{corpus}: no labelled rows", file=sys.stderr)
            return 2
        reports.append((corpus, evaluate(detector, rows)))
    if args.json:
        out = []
        for corpus, report in reports:
            data = report.as_dict()
            if not args.errors:
                data.pop("errors")
            out.append({"corpus": corpus, **data})
        print(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
        return 0
    blocks = [f"== {corpus}\n{format_report(report, show_errors=args.errors)}" for corpus, report in reports]
    if len(reports) > 1:
        blocks.append(format_summary(reports))
    print("\n\n".join(blocks))
    return 0


_LABELS = {
    "opt_out_recall": "opt-out recall (review included)",
    "auto_precision": "precision of auto opt-outs",
    "keyword_auto_rate": "bare keywords applied automatically",
    "hard_negative_false_alarms": "review flags on hard negatives",
    "opt_in_recall": "opt-in recall",
    "scope_accuracy": "scope accuracy on true opt-outs",
    "min_language_recall": "weakest language's opt-out recall",
}


def format_summary(reports: list[tuple[str, Report]]) -> str:
    """One line per target, one column per corpus: every split side by side."""
    names = [Path(corpus).name[:14] for corpus, _ in reports]
    lines = ["== every split", f"{'metric':<36} {'target':>8}  " + "  ".join(f"{n:>14}" for n in names)]
    for name, target, higher in TARGETS:
        sign = ">=" if higher else "<="
        cells = []
        for _, report in reports:
            met = report.met(name)
            mark = " " if met else ("?" if met is None else "!")
            cells.append(f"{_pct(report.metrics[name]):>13}{mark}")
        lines.append(f"{_LABELS[name]:<36} {sign}{target * 100:5.1f}%  " + "  ".join(cells))
    lines.append("(! = target missed)")
    return "\n".join(lines)


def _pct(value: float | int | None) -> str:
    return "   n/a" if value is None else f"{value * 100:6.1f}%"


def format_report(report: Report, *, show_errors: bool = False) -> str:
    labels = _LABELS
    lines = [f"Detector on {report.counts['rows']} messages", ""]
    lines.append(f"{'metric':<38} {'value':>7}  {'target':>8}  ok")
    for name, target, higher in TARGETS:
        met = report.met(name)
        mark = "yes" if met else ("n/a" if met is None else "NO")
        sign = ">=" if higher else "<="
        lines.append(f"{labels[name]:<38} {_pct(report.metrics[name])}  {sign}{target * 100:5.1f}%  {mark}")
    lines.append(f"{'overall accuracy':<38} {_pct(report.metrics['accuracy'])}")
    lines += ["", f"{'language':<9} {'rows':>5} {'accuracy':>9} {'opt-out recall':>15} {'false alarms':>13}"]
    for lang, row in report.languages.items():
        lines.append(
            f"{lang:<9} {row['rows']:>5} {_pct(row['accuracy']):>9} {_pct(row['opt_out_recall']):>15} "
            f"{row['false_alarms']:>13}"
        )
    if show_errors and report.errors:
        lines += ["", "Errors (label/scope -> verdict/scope, rule):"]
        for s in report.errors:
            lines.append(
                f"  {s.row.get('id')} [{s.row.get('lang')}/{s.row.get('kind')}]"
                f" {s.row.get('label')}/{s.row.get('scope')}"
                f" -> {s.verdict.kind.value}/{s.verdict.scope} ({s.verdict.rule}, {s.verdict.confidence:.2f},"
                f" auto={s.verdict.auto}): {s.row.get('text')}"
            )
    return "\n".join(lines)
