"""`consent-desk serve --provider twilio` polls the fake Twilio headless from env secrets; stops cleanly."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.commands.context import CommandContext
from desktop_app.commands.serve import run_headless
from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, BUSINESS, FakeTwilio
from tests.integration.twilio.booktools import sids_when_ready, stored_inbound_sids
from tests.integration.twilio.helpers import wait_for

REPO = Path(__file__).resolve().parents[3]


def twilio_env(fake: FakeTwilio) -> dict[str, str]:
    return {
        "CONSENT_DESK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "CONSENT_DESK_TWILIO_API_KEY": API_KEY,
        "CONSENT_DESK_TWILIO_API_SECRET": API_SECRET,
        "CONSENT_DESK_TWILIO_FROM": BUSINESS,
        "CONSENT_DESK_TWILIO_BASE_URL": fake.base_url,
    }


def recent(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def test_run_headless_polls_until_stopped(
    fake_twilio: FakeTwilio,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in twilio_env(fake_twilio).items():
        monkeypatch.setenv(name, value)
    sids = [fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=recent(5))]
    settings = Settings(provider="twilio", twilio_poll_seconds=0.1).apply_env()
    ctx = CommandContext(paths=AppPaths.resolve(tmp_path / "data"), settings=settings)
    stop = threading.Event()
    codes: list[int] = []
    args = argparse.Namespace(provider="twilio", host=None, port=None, auto=False)
    runner = threading.Thread(target=lambda: codes.append(run_headless(args, ctx, stop)))
    runner.start()
    try:
        book_path = ctx.paths.book_path
        assert wait_for(lambda: sids_when_ready(book_path) == sids)
        sids.append(fake_twilio.add_message("whatsapp:+15550102222", "hello", date_sent=recent(0)))
        assert wait_for(lambda: sorted(sids_when_ready(book_path)) == sorted(sids))
    finally:
        stop.set()
        runner.join(30)
        ctx.close()
    assert codes == [0]
    out = capsys.readouterr().out
    assert f"Polling Twilio for {BUSINESS}" in out and "Stopped." in out


def test_run_headless_without_credentials_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = CommandContext(paths=AppPaths.resolve(tmp_path / "data"), settings=Settings(provider="twilio"))
    code = run_headless(argparse.Namespace(auto=False), ctx)
    assert code == 2
    err = capsys.readouterr().err
    assert "Account SID" in err and "CONSENT_DESK_TWILIO_ACCOUNT_SID" in err
    assert not ctx.paths.book_path.exists()


def test_run_headless_with_wrong_secret_refuses_plainly(
    fake_twilio: FakeTwilio,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in twilio_env(fake_twilio).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CONSENT_DESK_TWILIO_API_SECRET", "wrong")
    ctx = CommandContext(
        paths=AppPaths.resolve(tmp_path / "data"), settings=Settings(provider="twilio").apply_env()
    )
    assert run_headless(argparse.Namespace(auto=False), ctx) == 2
    err = capsys.readouterr().err
    assert "Twilio rejected the credentials (401)" in err
    assert "wrong" not in err


@pytest.mark.slow
def test_cli_serve_provider_twilio_in_a_subprocess(fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    sid = fake_twilio.add_message("whatsapp:+15550101234", "STOP", date_sent=recent(5))
    env = {**os.environ, **twilio_env(fake_twilio), "CONSENT_DESK_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "serve", "--provider", "twilio"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        book = tmp_path / "data" / "consent-book.sqlite3"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if sids_when_ready(book) == [sid]:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        assert stored_inbound_sids(book) == [sid]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Polling Twilio for whatsapp:+15550100100" in out
    assert "Stopped." in out
    assert API_SECRET not in out + err
