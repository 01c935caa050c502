#!/usr/bin/env python3
"""List new (unassigned) messages that near-duplicate a message of an already assigned family.

After the test freeze such a message would either join a frozen test group (refused) or
bridge groups that sit in different splits (refused); rewrite or drop it. --drop removes
those lines from corpus/src/raw/*.txt (only lines of new families)."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import split_corpus as sc  # noqa: E402 (after the path insert)

rows, _, _ = sc.load_src()
fixed = json.loads((ROOT / "corpus" / "split_assignments.json").read_text())
groups = {}
for r in rows:
    groups.setdefault(sc.norm(r["text"]) or r["text"], []).append(r)
drop = set()
for _k, rs in groups.items():
    fams = {r["family"] for r in rs}
    if len(fams) > 1 and any(f not in fixed for f in fams) and any(f in fixed for f in fams):
        for r in rs:
            if r["family"] not in fixed:
                drop.add((r["lang"], r["text"]))
                print(
                    "conflict:",
                    r["family"],
                    repr(r["text"]),
                    "~",
                    [(x["family"], x["text"]) for x in rs if x["family"] in fixed][:2],
                )
if "--drop" in sys.argv and drop:
    for f in (ROOT / "corpus" / "src" / "raw").glob("*.txt"):
        lang, out = None, []
        for line in f.read_text(encoding="utf-8").split("\n"):
            if line.startswith("@lang "):
                lang = line.split()[1]
            if (lang, line.split(" || ")[0].strip()) in drop:
                continue
            out.append(line)
        f.write_text("\n".join(out), encoding="utf-8")
