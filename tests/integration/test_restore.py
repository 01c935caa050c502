"""A damaged ledger: a plain message naming the newest good backup, `consent-desk restore`, the app offer."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.domain.model import MARKETING, ConsentAction, EventSource, NewConsentEvent
from desktop_app.services.book_repair import open_or_offer_restore
from desktop_app.services.paths import AppPaths
from desktop_app.storage.book import ConsentBook
from tests.integration.meta.test_meta_serve import _start
from tests.integration.storage.test_integrity_repair import damage, fill, serve_env

T_BACKUP = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LABEL = "2026-03-02 09:00 UTC"
LATE = "+15550109999"  # opted out after the backup: only in the damaged book


def opt_out(book: ConsentBook, key: str) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(
            NewConsentEvent(
                contact_key=key,
                category=MARKETING,
                action=ConsentAction.OPT_OUT,
                occurred_at=T_BACKUP,
                source=EventSource.MANUAL,
                decided_by="owner",
            )
        )


def book_with_backups(data_dir: Path, *stamps: datetime) -> AppPaths:
    """A book with 1500 opt-outs, one backup per stamp, then one more opt-out; closed."""
    paths = AppPaths.resolve(data_dir)
    paths.ensure()
    book = ConsentBook.open(paths.book_path, backup_dir=paths.backup_dir, now=lambda: T_BACKUP)
    try:
        fill(book)
        for stamp in stamps:
            book.now = lambda stamp=stamp: stamp
            book.backup(reason="daily")
        opt_out(book, LATE)
    finally:
        book.close()
    return paths


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def damaged_copies(paths: AppPaths) -> list[Path]:
    return sorted(paths.data_dir.glob("consent-book.sqlite3.damaged-*[0-9]Z"))


def test_serve_on_a_damaged_ledger_names_the_backup_and_exits_plainly(isolated_data_dir: Path) -> None:
    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    damage(paths.book_path, "consent_events")
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", "0"],
        env=serve_env(isolated_data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "is damaged" in result.stderr and "consent_events" in result.stderr
    assert f"newest good backup is from {LABEL}" in result.stderr
    assert "consent-desk restore" in result.stderr


def test_restore_brings_back_the_newest_good_backup_and_keeps_the_damaged_file(
    isolated_data_dir: Path,
) -> None:
    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    damage(paths.book_path, "consent_events")
    damaged_bytes = paths.book_path.read_bytes()
    status = cli("status", "+15550200001")
    assert status.returncode == 3 and "consent-desk restore" in status.stderr
    assert "Traceback" not in status.stderr

    restored = cli("restore")
    assert restored.returncode == 0, restored.stderr
    assert f"from the backup of {LABEL}" in restored.stdout
    [kept] = damaged_copies(paths)
    assert kept.read_bytes() == damaged_bytes  # set aside, never deleted
    assert str(kept) in restored.stdout

    assert cli("verify").returncode == 0
    assert '"opted_out"' in cli("status", "+15550200001", "--json").stdout
    assert '"opted_out"' not in cli("status", LATE, "--json").stdout  # after the backup: gone with it


def test_a_file_that_is_not_a_database_is_named_and_restored(isolated_data_dir: Path) -> None:
    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    paths.book_path.write_bytes(b"this is not a consent book" * 1000)
    verify = cli("verify")
    assert verify.returncode == 3
    assert "not an SQLite database" in verify.stderr and LABEL in verify.stderr
    assert cli("restore").returncode == 0
    assert cli("verify").returncode == 0


def test_restore_passes_over_a_damaged_newest_backup(isolated_data_dir: Path) -> None:
    older = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    paths = book_with_backups(isolated_data_dir, older, T_BACKUP)
    newest = sorted(paths.backup_dir.glob("*.sqlite3"))[-1]
    damage(newest, "consent_events")
    damage(paths.book_path, "consent_events")
    restored = cli("restore")
    assert restored.returncode == 0, restored.stderr
    assert "from the backup of 2026-03-01 09:00 UTC" in restored.stdout

    explicit = cli("restore", str(newest))
    assert explicit.returncode == 3 and "damaged itself" in explicit.stderr
    assert len(damaged_copies(paths)) == 1  # the refused restore changed nothing


def test_restore_refuses_while_serve_has_the_book_open(isolated_data_dir: Path) -> None:
    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    before = paths.book_path.read_bytes()
    served = _start(serve_env(isolated_data_dir))
    try:
        refused = cli("restore")
    finally:
        served.stop()
    assert refused.returncode == 3
    assert "open in another Consent Desk" in refused.stderr
    assert damaged_copies(paths) == []
    assert paths.book_path.read_bytes()[:100] == before[:100]


def test_restore_without_any_backup_says_so(isolated_data_dir: Path) -> None:
    paths = book_with_backups(isolated_data_dir)
    damage(paths.book_path, "consent_events")
    status = cli("status", "+15550200001")
    assert status.returncode == 3 and "No good backup was found" in status.stderr
    refused = cli("restore")
    assert refused.returncode == 3 and "No good backup" in refused.stderr
    assert paths.book_path.exists() and damaged_copies(paths) == []


# -- the app's start ---------------------------------------------------------------------------------
@pytest.mark.expect_log(level="WARNING", match=r"^Restored the consent book|failed its integrity check")
def test_the_app_start_offers_the_backup_and_opens_it(isolated_data_dir: Path) -> None:
    from desktop_app.services.runtime import AppRuntime
    from desktop_app.services.settings import Settings

    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    damage(paths.book_path, "consent_events")
    offers: list[tuple[str, str | None]] = []
    told: list[str] = []

    def ask(message: str, label: str | None) -> bool:
        offers.append((message, label))
        return True

    runtime = open_or_offer_restore(
        lambda: AppRuntime(paths, Settings(provider="meta")), paths, ask, told.append
    )
    assert runtime is not None
    try:
        assert [label for _, label in offers] == [LABEL]
        assert "is damaged" in offers[0][0]
        assert told == []
        assert not runtime.book.may_send("+15550200001", MARKETING).allowed
    finally:
        runtime.stop()
    assert len(damaged_copies(paths)) == 1


@pytest.mark.expect_log(level="WARNING", match=r"failed its integrity check")
def test_the_app_start_can_decline_and_nothing_changes(isolated_data_dir: Path) -> None:
    from desktop_app.services.runtime import AppRuntime
    from desktop_app.services.settings import Settings

    paths = book_with_backups(isolated_data_dir, T_BACKUP)
    damage(paths.book_path, "consent_events")
    result = open_or_offer_restore(
        lambda: AppRuntime(paths, Settings(provider="meta")), paths, lambda *_: False, print
    )
    assert result is None
    assert damaged_copies(paths) == []


@pytest.mark.parametrize("label", [LABEL, None])
def test_the_restore_dialog_offers_the_dated_backup(qtbot, label: str | None) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.restore_dialog import ask_restore, restore_box

    box = restore_box("The consent book is damaged.", label)
    qtbot.addWidget(box)
    texts = [button.text() for button in box.buttons()]
    expected = ["Quit"] if label is None else [f"Restore from backup of {label}", "Quit"]
    assert sorted(texts) == sorted(expected)

    def press_default() -> None:
        modal = QApplication.activeModalWidget()
        assert modal is not None
        modal.defaultButton().click() if label else modal.buttons()[0].click()

    QTimer.singleShot(0, press_default)
    assert ask_restore("The consent book is damaged.", label) is (label is not None)
