"""scripts/run-app.sh: outside a desktop session, `make run` gets a private, unlocked, lasting keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run-app.sh"
PROBE = (
    "import sys; from desktop_app.services.secrets import SecretStore; "
    "s = SecretStore(service='consent-desk-run-app-test'); ok, _ = s.available(); "
    "print(ok); sys.argv[1] == 'set' and s.set('probe', 'kept'); print(s.get('probe'))"
)


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}  # no desktop session
    env["CONSENT_DESK_KEYRING_HOME"] = str(tmp_path / "keyring")
    return subprocess.run(
        ["sh", str(SCRIPT), sys.executable, "-c", PROBE, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )


@pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (scripts/system-deps.sh)",
)
def test_outside_a_session_the_app_gets_a_keyring_that_keeps_its_secrets(tmp_path: Path) -> None:
    first = run(tmp_path, "set")
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["True", "kept"]
    second = run(tmp_path, "get")  # a new session, the same keyring folder: the secret is still there
    assert second.stdout.split() == ["True", "kept"], second.stderr
    assert (tmp_path / "keyring" / "keyrings").is_dir()
    assert oct((tmp_path / "keyring").stat().st_mode & 0o777) == "0o700"


def test_without_the_tools_it_runs_the_app_as_is_and_says_why(tmp_path: Path) -> None:
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT), sys.executable, "-c", "print('ran')"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )
    assert done.stdout == "ran\n"
    assert "install gnome-keyring" in done.stderr
