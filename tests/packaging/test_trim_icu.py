"""The bundle's ICU data is rebuilt smaller, and Qt still collates and case-maps by locale with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "packaging" / "linux" / "trim-icu.sh"

PROBE = """
import sys
from PySide6.QtCore import QCollator, QCoreApplication, QLocale
app = QCoreApplication(sys.argv)
words = ["zebra", "öl", "apple", "Ärger", "ångström", "Zürich"]
for name in ("sv_SE", "de_DE"):
    print(name, sorted(words, key=QCollator(QLocale(name)).sortKey))
print(QLocale("tr_TR").toUpper("istanbul"))
"""


def _icu_data() -> Path:
    if not sys.platform.startswith("linux"):
        pytest.skip("the ICU data library is only bundled (and trimmed) on Linux")
    missing = [tool for tool in ("icupkg", "genccode", "objcopy", "gcc") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"trim-icu needs {', '.join(missing)} (scripts/system-deps.sh installs icu-devtools)")
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 wheel carries no ICU data library")
    return found[0]


def _probe(preload: Path | None) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)  # the loader then satisfies Qt's libicudata by this soname
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_trimmed_icu_is_smaller_and_sorts_as_the_full_one(tmp_path: Path) -> None:
    original = _icu_data()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    copy = bundle / original.name
    shutil.copy2(original, copy)

    first = subprocess.run(["bash", str(SCRIPT), str(bundle)], capture_output=True, text=True, check=True)
    assert "MiB ->" in first.stdout
    assert copy.stat().st_size < original.stat().st_size * 0.6
    again = subprocess.run(["bash", str(SCRIPT), str(bundle)], capture_output=True, text=True, check=True)
    assert "already trimmed" in again.stdout  # idempotent: make dist may run it on a built bundle

    full, trimmed = _probe(None), _probe(copy)
    assert trimmed == full
    swedish = "sv_SE ['apple', 'zebra', 'Zürich', 'ångström', 'Ärger', 'öl']"
    assert swedish in trimmed  # the Swedish tailoring (å, ä, ö after z) is kept
    assert "İSTANBUL" in trimmed
