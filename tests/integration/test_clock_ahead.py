"""The time-sensitive suites pass with the system clock a year ahead (libfaketime, real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
clock_ahead = pytest.importorskip("clock_ahead", reason="scripts/clock_ahead.py needs the libfaketime wheel")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="libfaketime's preload is tested on Linux only"),
]
# Suites whose code reads the time: reply windows, event-time bounds, signatures, recovery, the poller.
TIME_SENSITIVE = [
    "tests/integration/twilio/test_end_to_end.py",
    "tests/integration/test_confirmation_recovery.py",
    "tests/integration/meta/test_meta_pipeline.py",
    "tests/unit/twilio",
]


def _moved_env() -> dict[str, str]:
    env = {**os.environ, **clock_ahead.moved_clock_environment("+365d")}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _child_time(env: dict[str, str]) -> datetime:
    probe = "import datetime; print(datetime.datetime.now(datetime.UTC).timestamp())"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    return datetime.fromtimestamp(float(out), tz=UTC)


def test_the_child_process_really_sees_next_year() -> None:
    # Compared with a child on the real clock, so this holds even when the suite itself runs moved.
    real_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
    ahead = _child_time(_moved_env()) - _child_time(real_env)
    assert timedelta(days=364) < ahead < timedelta(days=366)


def test_time_sensitive_suites_pass_a_year_from_now() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TIME_SENSITIVE],
        cwd=REPO_ROOT,
        env=_moved_env(),
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert result.returncode == 0, f"a year ahead: {summary}\n{result.stdout[-4000:]}"
    assert " passed" in summary and "failed" not in summary
