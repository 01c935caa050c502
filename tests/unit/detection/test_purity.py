"""The detector is pure: no Qt/SQL/HTTP imports, and no I/O once the lexicon is loaded."""

from __future__ import annotations

import builtins
import subprocess
import sys

import pytest

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.model import VerdictKind

FORBIDDEN = ("PySide6", "sqlalchemy", "requests", "keyring", "platformdirs", "alembic")


def test_importing_and_classifying_loads_no_framework() -> None:
    code = (
        "import sys\n"
        "from desktop_app.domain.detection import classify\n"
        "assert classify('STOP').kind.value == 'opt_out'\n"
        f"print([m for m in {FORBIDDEN!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_classify_does_no_file_io_after_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    detector = Detector(Lexicon.load_default(), cache_size=0)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the detector opened a file while classifying")

    monkeypatch.setattr(builtins, "open", no_open)
    assert detector.classify("please stop sending me offers").kind is VerdictKind.OPT_OUT
    assert detector.classify("START").kind is VerdictKind.OPT_IN
    assert detector.classify("hello").kind is VerdictKind.NONE


def test_cache_does_not_change_answers() -> None:
    lexicon = Lexicon.load_default()
    cached, uncached = Detector(lexicon), Detector(lexicon, cache_size=0)
    for text in ["STOP", "stop by later", "no more promos", "START", "wrong number", "STOP"]:
        assert cached.classify(text) == uncached.classify(text)
