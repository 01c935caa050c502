#!/usr/bin/env python3
"""Convert the hand-written corpus sources (corpus/src/raw/*.txt) to JSONL (corpus/src/*.jsonl).

Raw format (one message per line, hand-written):
    @lang en                      file-level default language
    @ fam=kw-stop sit=bare-stop-keyword L=out S=all K=kw N=default note [lang=xx]
    STOP
    stop please 🙏 || politeness
    STOP the presses || idiom || L=none K=hn
Lines starting with '#' are comments. Per-line fields after ' || ': note, then overrides.
Abbreviations: L out/in/none, S all/mkt/-, K kw/ph/btn/in/hn/ord/amb.
The id is derived from the language and the text, so it is stable across rebuilds.
"""

import hashlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
RAW, OUT = ROOT / "src" / "raw", ROOT / "src"
L = {"out": "opt_out", "in": "opt_in", "none": "none"}
S = {"all": "all", "mkt": "marketing", "-": None}
K = {
    "kw": "keyword",
    "ph": "phrase",
    "btn": "button",
    "in": "opt_in",
    "hn": "hard_negative",
    "ord": "ordinary",
    "amb": "ambiguous",
}
LANGS = set(
    [
        "en",
        "es",
        "pt",
        "fr",
        "de",
        "it",
        "nl",
        "ar",
        "hi",
        "id",
        "tr",
        "ru",
        "sw",
        "pl",
        "hi-Latn",
        "ar-Latn",
        "mixed",
    ]
)


def parse_kv(s):
    out, _key = {}, None
    for m in re.finditer(r"(\w+)=(.*?)(?=\s+\w+=|$)", s.strip()):
        out[m.group(1)] = m.group(2).strip()
    return out


def check(row, where):
    lab, sc, k = row["label"], row["scope"], row["kind"]
    assert row["lang"] in LANGS, (where, row["lang"])
    assert (sc is None) == (lab == "none"), (where, "scope/label", row)
    if k in ("keyword", "phrase"):
        assert lab == "opt_out", (where, row)
    if k == "opt_in":
        assert lab == "opt_in", (where, row)
    if k in ("hard_negative", "ordinary"):
        assert lab == "none", (where, row)
    if k == "button":
        assert lab in ("opt_out", "opt_in"), (where, row)
    assert row["text"].strip() == row["text"] and row["text"], (where, row)
    assert row["note"], (where, "note missing", row)


def convert(path):
    rows, lang, block = [], None, None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{n}"
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@lang "):
            lang = line.split()[1]
            continue
        if line.startswith("@ "):
            block = parse_kv(line[2:])
            block.setdefault("lang", lang)
            continue
        assert block, where
        parts = [x.strip() for x in line.split(" || ")]
        text = parts[0]
        f = dict(block)
        note = ""
        for extra in parts[1:]:
            if re.fullmatch(r"(?:(?:L|S|K)=\S+\s*)+", extra):
                f.update(parse_kv(extra))
            elif extra:
                note = extra
        note = note or block.get("N", "")
        label = L[f["L"]]
        scope = None if label == "none" else S[f.get("S", "all")]
        row = {
            "id": None,
            "text": text,
            "lang": f["lang"],
            "label": label,
            "scope": scope,
            "kind": K[f["K"]],
            "note": note,
            "situation": f["sit"],
            "family": f"{f['lang']}/{f['fam']}",
        }
        row["id"] = (
            "c" + hashlib.sha1(f"{row['lang']}\0{text}".encode(), usedforsecurity=False).hexdigest()[:10]
        )
        check(row, where)
        rows.append(row)
    return rows


def main():
    total = 0
    for p in sorted(RAW.glob("*.txt")):
        rows = convert(p)
        with open(OUT / (p.stem + ".jsonl"), "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        total += len(rows)
        print(f"{p.stem}: {len(rows)}")
    print("total", total)


if __name__ == "__main__":
    sys.exit(main())
