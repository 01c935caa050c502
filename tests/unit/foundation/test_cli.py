"""The command line: one program under two names, `--data-dir` anywhere, a version, a self-test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_app import __version__
from desktop_app.cli import build_parser, main


@pytest.mark.parametrize(
    "argv",
    [
        ["--data-dir", "/tmp/x", "self-test"],
        ["self-test", "--data-dir", "/tmp/x"],
    ],
)
def test_data_dir_is_accepted_before_or_after_the_command(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.data_dir == "/tmp/x"
    assert args.command == "self-test"


def test_every_subcommand_accepts_data_dir() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        options = {opt for action in sub._actions for opt in action.option_strings}
        assert "--data-dir" in options, name


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_module_and_console_script_are_the_same_program() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"Consent Desk {__version__}"


def test_self_test_passes_on_this_installation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test"]) == 0
    assert "self-test ok" in capsys.readouterr().out
