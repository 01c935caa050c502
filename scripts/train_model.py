"""Train the detector's second opinion (fastText, subword features) from the committed corpus.

    pip install -e '.[train]'          # the full fastText bindings (same module as fasttext-predict)
    python scripts/train_model.py      # corpus/train.jsonl -> resources/model/, threshold from dev

Same corpus + same seed = the same model file and the same figures (one thread, fixed seed).
The model reads `Detector.model_input(text)`: the normalised words plus one tag per lexicon word class,
so retrain after editing the lexicon. The threshold is the lowest probability at which the model's
review flags keep the hard negatives of the dev split (rules and model together) at or below 2%
(a margin under the 5% target: text nobody tuned on is flagged about three times as often).
The model only ever raises a message the rules answered "none" to the review queue.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.domain.detection import Detector, Lexicon  # noqa: E402
from desktop_app.domain.detection.second_opinion import LABEL_PREFIX, SecondOpinion  # noqa: E402
from desktop_app.domain.model import VerdictKind  # noqa: E402

# The target is 5% on text never seen. Unseen look-alikes are flagged more often than dev's: batch b12,
# scored before anyone tuned on it, had 8.7% flags where dev had 2.8% at a 3% limit, so dev's flags are
# kept within 2%.
MAX_HARD_NEGATIVE_FLAGS = 0.02
MAX_BYTES = 5 * 1024 * 1024
PARAMS = {
    "epoch": 40,
    "lr": 0.3,
    "dim": 16,
    "wordNgrams": 2,
    "minn": 4,
    "maxn": 5,
    "bucket": 40_000,
    "loss": "softmax",
    "minCount": 1,
}


def read(paths: list[Path]) -> list[dict]:
    rows: list[dict] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def train(rows: list[dict], rules: Detector, out: Path, seed: int) -> None:
    import fasttext

    if not hasattr(fasttext, "train_supervised"):
        raise SystemExit(
            "this fasttext module only predicts (fasttext-predict); install the training bindings with\n"
            "  pip install --force-reinstall --no-deps 'fasttext-wheel>=0.9.2,<0.10'"
        )

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "train.txt"
        lines = [f"{LABEL_PREFIX}{row['label']} {rules.model_input(row['text'])}" for row in rows]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = fasttext.train_supervised(str(data), thread=1, seed=seed, verbose=0, **PARAMS)
        model.save_model(str(out))


def _flags(rows: list[dict], rules: Detector, opinion: SecondOpinion | None) -> dict[str, float]:
    detector = Detector(rules.lexicon, cache_size=0, second_opinion=opinion)
    verdicts = [detector.classify(row["text"]) for row in rows]
    hard = [v for r, v in zip(rows, verdicts, strict=True) if r.get("kind") == "hard_negative"]
    none = [v for r, v in zip(rows, verdicts, strict=True) if r.get("label") == "none"]
    outs = [v for r, v in zip(rows, verdicts, strict=True) if r.get("label") == "opt_out"]
    ins = [v for r, v in zip(rows, verdicts, strict=True) if r.get("label") == "opt_in"]
    auto = [(r, v) for r, v in zip(rows, verdicts, strict=True) if v.kind is VerdictKind.OPT_OUT and v.auto]

    def ratio(hits: int, total: int) -> float:
        return round(hits / total, 4) if total else 0.0

    return {
        "opt_out_recall": ratio(sum(v.kind is VerdictKind.OPT_OUT for v in outs), len(outs)),
        "opt_in_recall": ratio(sum(v.kind is VerdictKind.OPT_IN for v in ins), len(ins)),
        "hard_negative_flags": ratio(sum(v.is_request for v in hard), len(hard)),
        "none_flags": ratio(sum(v.is_request for v in none), len(none)),
        "auto_precision": ratio(sum(r.get("label") == "opt_out" for r, _ in auto), len(auto)),
    }


def _best(
    rows: list[dict], rules: Detector, opinions: list[tuple[float, SecondOpinion]], metric: str
) -> tuple[float, dict[str, float]] | None:
    """The candidate with the best `metric` whose hard-negative flags stay within the limit; among
    equally good ones, the fewest flags on ordinary messages, then the highest threshold."""
    scored: list[tuple[tuple[float, float, float], float, dict[str, float]]] = []
    for threshold, opinion in opinions:
        figures = _flags(rows, rules, opinion)
        if figures["hard_negative_flags"] > MAX_HARD_NEGATIVE_FLAGS:
            continue
        scored.append(((figures[metric], -figures["none_flags"], threshold), threshold, figures))
    if not scored:
        return None
    _, threshold, figures = max(scored, key=lambda item: item[0])
    return threshold, figures


def choose_thresholds(rows: list[dict], rules: Detector, predict) -> tuple[float, float, dict[str, float]]:
    """Opt-out threshold first (most opt-outs caught within the flag limit), then the opt-in one with
    the opt-out threshold fixed (most opt-ins caught within the same limit)."""
    steps = [step / 100 for step in range(30, 100)]
    found = _best(rows, rules, [(t, SecondOpinion(predict, t, 1.01)) for t in steps], "opt_out_recall")
    if found is None:
        return 1.01, 1.01, _flags(rows, rules, None)
    out_threshold, _ = found
    found = _best(
        rows, rules, [(t, SecondOpinion(predict, out_threshold, t)) for t in steps], "opt_in_recall"
    )
    if found is None:
        return out_threshold, 1.01, _flags(rows, rules, SecondOpinion(predict, out_threshold, 1.01))
    in_threshold, figures = found
    return out_threshold, in_threshold, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", default=[ROOT / "corpus" / "train.jsonl"])
    parser.add_argument("--dev", type=Path, default=ROOT / "corpus" / "dev.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "model")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    import fasttext_pybind

    rules = Detector(Lexicon.load_default(), cache_size=0)
    train_rows, dev_rows = read(args.train), read([args.dev])
    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / "second_opinion.bin"
    train(train_rows, rules, model_path, args.seed)
    size = model_path.stat().st_size
    if size > MAX_BYTES:
        print(f"model is {size:,} bytes, over the {MAX_BYTES:,} limit", file=sys.stderr)
        return 1
    model = fasttext_pybind.fasttext()
    model.loadModel(str(model_path))

    def predict(line: str):
        return model.predict(line, -1, 0.0, "strict")

    threshold, opt_in_threshold, figures = choose_thresholds(dev_rows, rules, predict)
    digest = hashlib.sha256()
    for path in [*args.train, args.dev]:
        digest.update(path.read_bytes())
    meta = {
        "threshold": threshold,
        "opt_in_threshold": opt_in_threshold,
        "seed": args.seed,
        "params": PARAMS,
        "trained_on": [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name for p in args.train],
        "threshold_chosen_on": str(args.dev.relative_to(ROOT))
        if args.dev.is_relative_to(ROOT)
        else args.dev.name,
        "corpus_sha256": digest.hexdigest(),
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
        "model_bytes": size,
        "rules_only_on_dev": _flags(dev_rows, rules, None),
        "with_model_on_dev": figures,
    }
    (args.out / "second_opinion.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
