"""Prints the size of a PyInstaller one-folder bundle per component and fails past a budget."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

MIB = 1024 * 1024
DEFAULT_BUDGET_MIB = 120.0


def component(relative: Path) -> str:
    """The part of the bundle a file belongs to, by where PyInstaller puts it."""
    parts = relative.parts
    name = relative.name
    if parts[0] != "_internal":
        return "launcher"
    inner = parts[1:]
    top = inner[0] if inner else name
    if top == "PySide6":
        if len(inner) > 2 and inner[1] == "Qt":
            if inner[2] == "lib":
                return "Qt: ICU data and libraries" if name.startswith("libicu") else "Qt: libraries"
            return f"Qt: {inner[2]}"  # plugins, translations
        return "PySide6: bindings"
    if top.startswith(("libpython", "python3", "base_library")):
        return "Python: runtime and extension modules"
    if top.startswith(("libQt6", "libpyside6", "libshiboken6")) or top == "shiboken6":
        return "Qt: libraries"
    if top.startswith("lib") and ".so" in top:
        return "system libraries (X11, GLib, fonts, OpenSSL, ...)"
    if top == "resources":
        return "app: resources (detector model, lexicon, icons)"
    if top == "desktop_app":
        return "app: migrations"
    if ".dist-info" in top:
        return "package metadata"
    return f"package: {top.split('.')[0]}"


def files(bundle: Path) -> Iterator[Path]:
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def report(bundle: Path, top_files: int) -> tuple[int, list[str]]:
    """The bundle's total bytes and the lines to print: components, then the biggest files."""
    by_component: Counter[str] = Counter()
    sizes: dict[Path, int] = {}
    for path in files(bundle):
        size = path.stat().st_size
        relative = path.relative_to(bundle)
        sizes[relative] = size
        by_component[component(relative)] += size
    total = sum(sizes.values())
    lines = [f"{'MiB':>7}  component"]
    lines += [f"{size / MIB:7.1f}  {name}" for name, size in by_component.most_common()]
    lines.append(f"{total / MIB:7.1f}  total ({bundle})")
    if top_files:
        lines.append(f"\n{'MiB':>7}  biggest files")
        biggest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:top_files]
        lines += [f"{size / MIB:7.1f}  {relative}" for relative, size in biggest]
    return total, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path, nargs="?", default=Path("dist/consent-desk"))
    parser.add_argument("--budget-mib", type=float, default=DEFAULT_BUDGET_MIB)
    parser.add_argument("--top", type=int, default=12, help="also list this many biggest files")
    args = parser.parse_args(argv)
    if not (args.bundle / "_internal").is_dir():
        print(
            f"error: {args.bundle} is not a PyInstaller one-folder bundle (run `make dist`)", file=sys.stderr
        )
        return 2
    total, lines = report(args.bundle, args.top)
    print("\n".join(lines))
    if total > args.budget_mib * MIB:
        print(
            f"error: the bundle is {total / MIB:.1f} MiB, over its {args.budget_mib:g} MiB budget",
            file=sys.stderr,
        )
        return 1
    print(f"ok: {total / MIB:.1f} MiB of the {args.budget_mib:g} MiB budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
