"""The `consent-desk` command: the GUI by default, headless subcommands for everything else."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from desktop_app import APP_NAME, __version__
from desktop_app.commands.context import CommandContext
from desktop_app.services.logging_setup import setup_logging
from desktop_app.services.paths import DATA_DIR_ENV, AppPaths, DataFolderError
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)

EXIT_DATA_FOLDER = 5  # a data, config or log folder cannot be written

# Each module exposes register(subparsers, common) and sets `handler` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "desktop_app.commands.selftest",
    "desktop_app.commands.serve",
    "desktop_app.commands.detect",
    "desktop_app.commands.book",
)


def _common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts too, so `--data-dir` works before or after it."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="keep data, settings and logs in DIR (env CONSENT_DESK_DATA_DIR)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug details"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="consent-desk",
        description=f"{APP_NAME}: opt-outs for your WhatsApp Business number.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--self-test", action="store_true", help="run a headless check of the installation and exit"
    )
    parser.add_argument("--demo", action="store_true", help="open the demo, even if connected")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = AppPaths.resolve(getattr(args, "data_dir", None))
    verbose = bool(getattr(args, "verbose", False))

    if args.self_test or args.command == "self-test":
        from desktop_app.commands.selftest import run_self_test

        explicit = getattr(args, "data_dir", None) is not None or DATA_DIR_ENV in os.environ
        return run_self_test(verbose=verbose, paths=paths if explicit else None)

    try:
        paths.ensure()
    except DataFolderError as problem:
        return _tell_data_folder_problem(problem, gui=args.command is None)
    settings = Settings.load(paths.settings_path).apply_env()
    setup_logging(paths.log_dir, verbose=verbose or settings.debug_logging, console=args.command is not None)
    if args.command is None:
        from desktop_app.app import run_gui

        return run_gui(paths, settings, force_demo=args.demo)

    ctx = CommandContext(paths=paths, settings=settings)
    try:
        return int(args.handler(args, ctx))
    except DataFolderError as problem:
        return _tell_data_folder_problem(problem, gui=False)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `consent-desk export ... | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    finally:
        ctx.close()


def _tell_data_folder_problem(problem: DataFolderError, *, gui: bool) -> int:
    """One plain sentence on stderr and, for the window, a message box before anything else shows."""
    print(f"consent-desk: {problem}", file=sys.stderr)
    if gui:
        from desktop_app.app import tell_data_folder_problem

        tell_data_folder_problem(problem)
    return EXIT_DATA_FOLDER


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
