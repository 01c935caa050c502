#!/usr/bin/env python3
"""Split the Consent Desk corpus (corpus/src/*.jsonl) into train / dev / test by whole family.

Deterministic: no wall clock, no unseeded randomness. Families are ordered by a seeded
SHA-256 of their name (largest first) and each is placed, as a whole, in the split whose
per-(language, label) quotas (60/20/20) it fills best, so every language and every label
lands in every split and near-identical messages (which share a family) never straddle.

Freeze: once corpus/test.jsonl exists it is never rewritten. Its families stay in test;
a source message that belongs to a test family but is not in test.jsonl is an error
(write new messages in new families). New families go to train or dev only (75/25).
The family -> split map is kept in corpus/split_assignments.json so train/dev stay stable.

Usage: python scripts/split_corpus.py [--check]
"""

import collections
import hashlib
import json
import pathlib
import re
import sys
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parents[1] / "corpus"
SRC = ROOT / "src"
ASSIGN = ROOT / "split_assignments.json"
SEED = "consent-desk-corpus-v1"
SPLITS = ("train", "dev", "test")
# Shares used when the test split is first drawn (the freeze). The test share is a bit
# above 20% because messages written after the freeze go to train/dev only (75/25):
# with ~2,850 messages at the freeze and ~3,450 planned, the final split is ~60/20/20.
RATIO = {"train": 0.57, "dev": 0.19, "test": 0.24}
POST_FREEZE_RATIO = {"train": 0.75, "dev": 0.25}
EMPTY_BONUS = 8.0
DEV_SET = pathlib.Path("/work/shared/corpus/optout-dev.jsonl")
FIELDS = ("id", "text", "lang", "label", "scope", "kind", "note", "situation", "family")


def norm(text):
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[\W_]+", " ", t)
    return re.sub(r"(.)\1{2,}", r"\1\1", t).strip()


def seeded(name):
    return hashlib.sha256(f"{SEED}\0{name}".encode()).hexdigest()


def light(text):
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def load_src():
    """Rows from src, exact duplicates (case/space-insensitive) dropped.

    Near-duplicates (same text after stripping accents, punctuation, emoji and letter
    stretching) are allowed inside a family (keyword noise is deliberate) but link
    their families: linked families are always placed in the same split."""
    rows, seen, dupes = [], {}, []
    dev_norm = set()
    if DEV_SET.exists():
        dev_norm = {norm(json.loads(lab)["text"]) for lab in DEV_SET.open(encoding="utf-8")}
    copied = []
    for p in sorted(SRC.glob("*.jsonl")):
        for line in p.open(encoding="utf-8"):
            r = json.loads(line)
            key = light(r["text"])
            if key in seen:
                dupes.append((p.name, r["text"], seen[key]))
                continue
            if norm(r["text"]) in dev_norm and len(norm(r["text"])) > 16:
                copied.append(r["text"])
            seen[key] = r["text"]
            rows.append({k: r[k] for k in FIELDS})
    return rows, dupes, copied


def link_groups(rows):
    """family -> group id; families sharing a near-duplicate text share a group."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first = {}
    for r in rows:
        find(r["family"])
        k = norm(r["text"]) or r["text"]
        if k in first:
            a, b = find(first[k]), find(r["family"])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first[k] = r["family"]
    return {f: find(f) for f in parent}


def read_jsonl(p):
    return [json.loads(lab) for lab in p.open(encoding="utf-8")] if p.exists() else []


def write_jsonl(p, rows):
    with p.open("w", encoding="utf-8") as fh:
        for r in sorted(rows, key=lambda r: r["id"]):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def strata_keys(r):
    """Quota cells a message counts towards: language x label, label x kind, language x kind."""
    return (("lines", r["lang"], r["label"]), ("K", r["label"], r["kind"]), ("LK", r["lang"], r["kind"]))


def assign(rows, fixed, allowed_new):
    """Return family -> split. Units are groups of linked families (see link_groups)."""
    group_of = link_groups(rows)
    units = collections.defaultdict(list)
    for r in rows:
        units[group_of[r["family"]]].append(r)
    unit_fams = collections.defaultdict(set)
    for f, g in group_of.items():
        unit_fams[g].add(f)
    out, pending = {}, []
    for g, fs in unit_fams.items():
        splits = {fixed[f] for f in fs if f in fixed}
        if len(splits) > 1:
            raise SystemExit(f"ERROR: linked families {sorted(fs)} already sit in {sorted(splits)}")
        if splits:
            s = splits.pop()
            if s == "test" and any(f not in fixed for f in fs):
                raise SystemExit(f"ERROR: new family near-duplicates frozen test family: {sorted(fs)}")
            for f in fs:
                out[f] = s
        else:
            pending.append(g)
    ratio = dict(RATIO)
    if "test" not in allowed_new:
        ratio = dict(POST_FREEZE_RATIO)
    # quotas over the rows still to place (plus, before the freeze, everything)
    todo = [r for g in pending for r in units[g]]
    strata = collections.Counter(k for r in todo for k in strata_keys(r))
    total = len(todo)
    cur = {s: collections.Counter() for s in SPLITS}
    size = collections.Counter()

    def place(g, s):
        for f in unit_fams[g]:
            out[f] = s
        cur[s].update(k for r in units[g] for k in strata_keys(r))
        size[s] += len(units[g])

    # Phase 1 (quotas): largest group first, to the split whose quotas it fills best.
    pending.sort(key=lambda g: (-len(units[g]), seeded(g)))
    for g in pending:
        c = collections.Counter(k for r in units[g] for k in strata_keys(r))
        best, best_score = None, None
        for s in allowed_new:
            score = 0.0
            for k, n in c.items():
                need = ratio[s] * strata[k] - cur[s][k]
                score += min(n, need) - max(0, n - max(need, 0)) * 0.5
                if cur[s][k] == 0:
                    score += EMPTY_BONUS * ratio[s]  # seed every stratum in every split
            score += 0.3 * (ratio[s] * total - size[s]) / max(total, 1) * len(units[g])
            if best_score is None or score > best_score + 1e-9:
                best, best_score = s, score
        place(g, best)
    # Phase 2 (coverage repair): a language x kind or language x label cell missing from a
    # split receives the smallest newly placed group holding it from the split that has
    # the most groups with that cell (only if that split keeps at least one). Groups placed
    # in earlier runs count for coverage but are never moved.
    cells = collections.defaultdict(set)
    for g in unit_fams:
        for r in units[g]:
            cells[("LK", r["lang"], r["kind"])].add(g)
            cells[("lines", r["lang"], r["label"])].add(g)
    movable = set(pending)

    def split_of(g):
        return out[next(iter(unit_fams[g]))]

    for c in sorted(cells, key=repr):
        for s in [x for x in ("test", "dev", "train") if x in allowed_new]:
            by = collections.defaultdict(list)
            for g in cells[c]:
                by[split_of(g)].append(g)
            if by.get(s):
                continue
            donors = [
                d for d in by if d in allowed_new and len(by[d]) >= 2 and any(g in movable for g in by[d])
            ]
            if not donors:
                continue
            donor = max(donors, key=lambda d: (len(by[d]), d))
            g = min((g for g in by[donor] if g in movable), key=lambda g: (len(units[g]), seeded(g)))
            for f in unit_fams[g]:
                out[f] = s
    return out, units


def table(rows, by):
    return collections.Counter(tuple(r[k] for k in by) for r in rows)


def splits_md(parts, test_sha, frozen_note):
    lines = [
        "# Corpus splits",
        "",
        f"Generated by `scripts/split_corpus.py` (seed `{SEED}`). Whole families are assigned to one split.",
        "",
    ]
    lines.append(f"- test.jsonl SHA-256: `{test_sha}` {frozen_note}")
    lines.append("- test.jsonl is never used for tuning.")
    lines.append("")
    lines.append("| split | messages | families |")
    lines.append("|---|---|---|")
    for s in SPLITS:
        lines.append(f"| {s} | {len(parts[s])} | {len({r['family'] for r in parts[s]})} |")
    langs = sorted({r["lang"] for s in SPLITS for r in parts[s]})
    labels = ("opt_out", "opt_in", "none")
    lines += [
        "",
        "## Messages per split × language × label",
        "",
        "| lang | " + " | ".join(f"{s} {lab}" for s in SPLITS for lab in labels) + " | total |",
        "|---" * (len(SPLITS) * len(labels) + 2) + "|",
    ]
    for lg in langs:
        cells, tot = [], 0
        for s in SPLITS:
            t = table(parts[s], ("lang", "label"))
            for lab in labels:
                cells.append(str(t[(lg, lab)]))
                tot += t[(lg, lab)]
        lines.append(f"| {lg} | " + " | ".join(cells) + f" | {tot} |")
    kinds = ("keyword", "phrase", "button", "opt_in", "ambiguous", "hard_negative", "ordinary")
    lines += [
        "",
        "## Messages per split × label × kind (all languages)",
        "",
        "| split | label | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 2) + "|",
    ]
    for s in SPLITS:
        t = table(parts[s], ("label", "kind"))
        for lab in labels:
            lines.append(f"| {s} | {lab} | " + " | ".join(str(t[(lab, k)]) for k in kinds) + " |")
    combos = [
        ("opt_out", "keyword"),
        ("opt_out", "phrase"),
        ("opt_out", "button"),
        ("opt_out", "ambiguous"),
        ("opt_in", "opt_in"),
        ("opt_in", "button"),
        ("none", "ambiguous"),
        ("none", "hard_negative"),
        ("none", "ordinary"),
    ]
    lines += [
        "",
        "## Messages per split × language × label × kind",
        "",
        "| split | lang | " + " | ".join(f"{lab}/{k}" for lab, k in combos) + " | total |",
        "|---" * (len(combos) + 3) + "|",
    ]
    for s in SPLITS:
        t = table(parts[s], ("lang", "label", "kind"))
        for lg in langs:
            cells = [t[(lg, lab, k)] for lab, k in combos]
            lines.append(f"| {s} | {lg} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
        tot = table(parts[s], ("label", "kind"))
        cells = [tot[(lab, k)] for lab, k in combos]
        lines.append(f"| {s} | **all** | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    sc = [
        "",
        "## Scope (opt_out / opt_in rows)",
        "",
        "| split | label | all | marketing |",
        "|---|---|---|---|",
    ]
    for s in SPLITS:
        t = table(parts[s], ("label", "scope"))
        for lab in ("opt_out", "opt_in"):
            sc.append(f"| {s} | {lab} | {t[(lab, 'all')]} | {t[(lab, 'marketing')]} |")
    lines += sc
    return "\n".join(lines) + "\n"


def main(argv):
    rows, dupes, copied = load_src()
    for d in dupes:
        print("duplicate (dropped):", d, file=sys.stderr)
    for c in copied:
        print("WARNING: text also in optout-dev.jsonl:", c, file=sys.stderr)
    test_path = ROOT / "test.jsonl"
    frozen = read_jsonl(test_path)
    fixed = json.loads(ASSIGN.read_text()) if ASSIGN.exists() else {}
    if frozen:
        test_fams = {r["family"] for r in frozen}
        test_ids = {r["id"] for r in frozen}
        bad = [r for r in rows if r["family"] in test_fams and r["id"] not in test_ids]
        if bad:
            for r in bad:
                print("ERROR: new message in frozen test family:", r["family"], r["text"], file=sys.stderr)
            return 2
        by_id = {r["id"]: r for r in rows}
        changed = [r["id"] for r in frozen if r["id"] in by_id and by_id[r["id"]] != r]
        if changed:
            print(
                f"ERROR: {len(changed)} frozen test messages were edited in src: {changed[:5]}",
                file=sys.stderr,
            )
            return 2
        missing = test_ids - {r["id"] for r in rows}
        if missing:
            print(f"ERROR: {len(missing)} frozen test messages missing from src", file=sys.stderr)
            return 2
        for f in test_fams:
            fixed[f] = "test"
        fixed = {f: s for f, s in fixed.items() if s == "test" or f not in test_fams}
        allowed = ("train", "dev")
    else:
        fixed = {}
        allowed = SPLITS
    present = {r["family"] for r in rows}
    fixed = {f: s for f, s in fixed.items() if f in present}
    amap, _fams = assign(rows, fixed, allowed)
    parts = {s: [r for r in rows if amap[r["family"]] == s] for s in SPLITS}
    if frozen:
        parts["test"] = frozen
    # every language and label in every split
    problems = []
    for s in SPLITS:
        for what in ("lang", "label"):
            have = {r[what] for r in parts[s]}
            allv = {r[what] for r in rows}
            if allv - have:
                problems.append(f"{s} lacks {what} {sorted(allv - have)}")
    for p in problems:
        print("WARNING:", p, file=sys.stderr)
    if "--check" in argv:
        for s in SPLITS:
            print(s, len(parts[s]))
        return 0
    for s in ("train", "dev"):
        write_jsonl(ROOT / f"{s}.jsonl", parts[s])
    if not frozen:
        write_jsonl(test_path, parts["test"])
    test_sha = hashlib.sha256(test_path.read_bytes()).hexdigest()
    ASSIGN.write_text(json.dumps(dict(sorted(amap.items())), indent=1) + "\n")
    (ROOT / "SPLITS.md").write_text(splits_md(parts, test_sha, "(frozen; never rewritten)"), encoding="utf-8")
    for s in SPLITS:
        print(s, len(parts[s]), "families", len({r["family"] for r in parts[s]}))
    print("test sha256", test_sha)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
