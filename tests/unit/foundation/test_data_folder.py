"""A data folder the app cannot write to: one plain sentence in every command and in the window."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_DATA_FOLDER, main


@pytest.fixture
def folder_under_a_file(tmp_path: Path) -> Path:
    """A data folder whose parent is a regular file: unwritable even for root."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return blocker / "data"


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (EROFS); skipped where mounting is not allowed."""
    target = tmp_path / "ro"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


@pytest.mark.parametrize(
    "command", [["status", "+15550101234"], ["verify"], ["export", "consent"], ["classify"], ["serve"]]
)
def test_every_command_says_plainly_that_the_folder_cannot_be_written(
    folder_under_a_file: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(folder_under_a_file), *command])
    err = capsys.readouterr().err
    assert code == EXIT_DATA_FOLDER
    assert f"cannot write to its data folder {folder_under_a_file}" in err
    assert "part of that path is a file" in err
    assert "--data-dir" in err and "Traceback" not in err and "Errno" not in err


def test_a_read_only_disk_is_named_as_such(
    read_only_mount: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--data-dir", str(read_only_mount), "verify"])
    err = capsys.readouterr().err
    assert code == EXIT_DATA_FOLDER
    assert "the disk it is on is read-only" in err


def test_self_test_checks_the_folder_it_was_given(
    folder_under_a_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(folder_under_a_file), "--self-test"]) == 1
    captured = capsys.readouterr()
    assert "self-test FAILED" in captured.out
    assert f"cannot write to its data folder {folder_under_a_file}" in captured.err


def test_self_test_builds_its_book_inside_the_given_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "-v", "self-test"]) == 0
    assert f"ok   data folder {data}" in capsys.readouterr().err
    assert sorted(p.name for p in data.iterdir()) == ["config", "logs"]  # its scratch book is gone


def test_the_window_tells_the_problem_before_anything_else(
    qtbot, read_only_mount: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def read_and_close() -> None:
        modal = QApplication.activeModalWidget()
        assert isinstance(modal, QMessageBox)
        seen.append(" | ".join((modal.windowTitle(), modal.text(), modal.informativeText())))
        modal.close()

    QTimer.singleShot(0, read_and_close)
    assert main(["--data-dir", str(read_only_mount)]) == EXIT_DATA_FOLDER
    assert len(seen) == 1
    assert "Consent Desk cannot start" in seen[0]
    assert "the disk it is on is read-only" in seen[0] and str(read_only_mount) in seen[0]
    assert QApplication.topLevelWidgets() == [] or not any(
        w.isVisible() for w in QApplication.topLevelWidgets()
    )
