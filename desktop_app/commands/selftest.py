"""`consent-desk --self-test`: a headless check that the installation (or frozen bundle) works."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
from pathlib import Path

import desktop_app
from desktop_app.services.paths import AppPaths, DataFolderError

# Samples the detector must get right on any installation (text, expected verdict).
_DETECTOR_SAMPLES: tuple[tuple[str, str], ...] = (
    ("STOP", "opt_out"),
    ("BAJA", "opt_out"),
    ("can you stop by at 5?", "none"),
    ("START", "opt_in"),
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "self-test", parents=[common], help="check the installation headlessly and exit"
    )
    # The handler is never reached: cli.main runs the self-test before it touches the data folder.
    parser.set_defaults(
        handler=lambda args, ctx: run_self_test(
            verbose=bool(getattr(args, "verbose", False)), paths=ctx.paths
        )
    )


def _check_imports() -> list[str]:
    """Import every module of the package; the frozen bundle proves it shipped them all."""
    failures = []
    prefix = desktop_app.__name__ + "."
    for module in pkgutil.walk_packages(desktop_app.__path__, prefix):
        # __main__ runs the app; Alembic's env.py only runs inside Alembic (it is checked below).
        if module.name.endswith("__main__") or ".migrations." in module.name:
            continue
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # report every broken module, not only the first
            failures.append(f"import {module.name}: {exc!r}")
    return failures


def _check_book(folder: Path) -> list[str]:
    from desktop_app.storage.book import ConsentBook

    book = ConsentBook.open(folder / "self-test.sqlite3", default_region="US", backup_dir=folder)
    try:
        result = book.verify()
        if not result.ok:
            return [f"fresh consent book does not verify: {result}"]
    finally:
        book.close()
    return []


def _check_detector() -> list[str]:
    from desktop_app.domain.detection import classify

    failures = []
    for text, expected in _DETECTOR_SAMPLES:
        verdict = classify(text)
        if verdict.kind.value != expected:
            failures.append(f"detector: {text!r} gave {verdict.kind.value}, expected {expected}")
    return failures


def _check_second_opinion() -> list[str]:
    from desktop_app.services.detector_model import load_second_opinion, model_folder

    if load_second_opinion() is None:
        return [f"detector model: the second opinion in {model_folder()} could not be loaded"]
    return []


def _check_tls() -> list[str]:
    import ssl

    ssl.create_default_context()
    return []


def _check_data_folder(paths: AppPaths) -> list[str]:
    try:
        paths.ensure()
    except DataFolderError as problem:
        return [str(problem)]
    return []


def run_self_test(*, verbose: bool = False, paths: AppPaths | None = None) -> int:
    """Check the installation; with `paths` (an explicit data folder), check that folder too."""
    checks = {
        "imports": _check_imports,
        "detector": _check_detector,
        "detector model": _check_second_opinion,
        "tls": _check_tls,
    }
    failures: list[str] = []
    book_folder: Path | None = None
    if paths is not None:
        problems = _check_data_folder(paths)
        failures.extend(problems)
        if verbose or problems:
            print(f"{'FAIL' if problems else 'ok  '} data folder {paths.data_dir}", file=sys.stderr)
        if not problems:
            book_folder = paths.data_dir
    with tempfile.TemporaryDirectory(prefix="consent-desk-selftest-", dir=book_folder) as tmp:
        checks_with_book = {**checks, "consent book": lambda: _check_book(Path(tmp))}
        for name, check in checks_with_book.items():
            try:
                problems = check()
            except Exception as exc:
                problems = [f"{name}: {exc!r}"]
            failures.extend(problems)
            if verbose or problems:
                print(f"{'FAIL' if problems else 'ok  '} {name}", file=sys.stderr)
    if failures:
        for failure in failures:
            print(failure, file=sys.stderr)
        print(f"self-test FAILED ({len(failures)} problem(s))")
        return 1
    print(f"self-test ok: {desktop_app.APP_NAME} {desktop_app.__version__}")
    return 0
