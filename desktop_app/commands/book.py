"""Consent book commands: verify, rebuild, export, import opt-outs, status, contact export/erase."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from desktop_app.domain.phone import PhoneNumberError
from desktop_app.domain.records import BookError
from desktop_app.storage.opt_out_import import ImportFileError

if TYPE_CHECKING:
    from desktop_app.commands.context import CommandContext
    from desktop_app.storage.book import ConsentBook

EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_BOOK = 3
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _guarded(handler: Callable[[argparse.Namespace, CommandContext], int]) -> Callable[..., int]:
    """Book problems and bad numbers end with one clear line on stderr, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, ctx: CommandContext) -> int:
        try:
            return handler(args, ctx)
        except PhoneNumberError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except BookError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BOOK

    return run


def _book(args: argparse.Namespace, ctx: CommandContext) -> ConsentBook:
    return ctx.open_book(demo=bool(getattr(args, "demo", False)))


def _write_output(target: str | None, write: Callable[[IO[str]], int]) -> int:
    """Write to stdout, or to FILE via FILE.partial so a failed export never looks complete."""
    if target in (None, "-"):
        return write(sys.stdout)
    path = Path(str(target)).expanduser()
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            count = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


EXIT_UNPROVEN = 4  # --strict: nothing found wrong, but not everything could be proven (e.g. no key here)


@_guarded
def cmd_verify(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Chain, signatures, cached state and anchor; every finding on its own line (docs/verify.md)."""
    result = _book(args, ctx).verify()
    if result.ok:
        print(f"ok: {result.checked} ledger rows verified; head hash {result.head_hash or '(empty ledger)'}")
    elif result.first_broken_id is not None:
        print(
            f"BROKEN at ledger row {result.first_broken_id}: {result.reason} "
            f"({result.checked} rows before it ok)"
        )
    chain_line = f"ledger row {result.first_broken_id}: "
    for problem in result.problems:
        if result.first_broken_id is None or not problem.startswith(chain_line):  # said above already
            print(f"BROKEN: {problem}")
    for gap in result.cannot_prove:
        print(f"warning: {gap}")
    for note in result.notes:
        print(f"  {note}")
    if not result.ok:
        return EXIT_BROKEN
    return EXIT_UNPROVEN if args.strict and not result.authenticated else 0


@_guarded
def cmd_rebuild(args: argparse.Namespace, ctx: CommandContext) -> int:
    book = _book(args, ctx)
    count = book.rebuild_state()
    print(f"rebuilt the consent state from the ledger: {count} contact/category rows")
    if args.reanchor:
        book.reanchor()
        print("accepted the book as it is now: a new anchor was written from it")
    return 0


@_guarded
def cmd_export(args: argparse.Namespace, ctx: CommandContext) -> int:
    book = _book(args, ctx)
    export = book.export_consent if args.what == "consent" else book.export_ledger
    count = _write_output(args.output, lambda handle: export(handle, args.format))
    if args.output not in (None, "-"):
        print(f"exported {count} {args.what} rows to {args.output}", file=sys.stderr)
    return 0


@_guarded
def cmd_import(args: argparse.Namespace, ctx: CommandContext) -> int:
    path = Path(args.file).expanduser()
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return EXIT_USAGE
    book = _book(args, ctx)
    try:
        report = book.import_opt_outs(path, default_region=args.region or ctx.settings.default_region)
    except (ImportFileError, BookError) as exc:
        print(f"error: {exc}; nothing from {path.name} was imported", file=sys.stderr)
        return EXIT_BOOK if isinstance(exc, BookError) else 1
    for line, reason in report.warnings:
        print(f"warning: line {line}: {reason}", file=sys.stderr)
    for line, reason in report.errors:
        print(f"error: line {line}: {reason}", file=sys.stderr)
    separated = _DELIMITER_NAMES.get(report.delimiter or ",", "comma")
    read_as = f" (read as {report.encoding}, {separated}-separated)" if report.encoding else ""
    print(
        f"imported {report.imported} opt-outs, skipped {report.skipped_duplicates} already recorded, "
        f"{len(report.errors)} bad rows{read_as}"
    )
    return 1 if report.errors else 0


@_guarded
def cmd_status(args: argparse.Namespace, ctx: CommandContext) -> int:
    data = _book(args, ctx).status_json(args.phone)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(data["phone"])
    for name, state in data["categories"].items():
        since = (
            f" since {state['since']} via {state['source']} (event {state['event_id']})"
            if state["since"]
            else ""
        )
        allowed = "may send" if data["may_send"][name] else "DO NOT SEND"
        print(f"  {name:<16} {state['state']:<10} {allowed}{since}")
    return 0


@_guarded
def cmd_contact(args: argparse.Namespace, ctx: CommandContext) -> int:
    book = _book(args, ctx)
    if args.action == "export":
        data = book.export_contact(args.phone)
        _write_output(
            args.output, lambda handle: handle.write(json.dumps(data, indent=2, ensure_ascii=False))
        )
        return 0
    if not args.yes:
        print(
            f"This erases every message text and the name stored for {book.resolve_key(args.phone)}; "
            "the consent ledger (the proof of their opt-outs) is kept. Run again with --yes to do it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    erased = book.erase_contact_messages(args.phone)
    print(f"erased the contents of {erased} messages; consent history kept")
    return 0


@_guarded
def cmd_restore(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Put a backup (default: the newest sound one) in the book's place; the old file is kept aside."""
    from desktop_app.services.book_repair import describe, restore_book

    ctx.paths.ensure()
    chosen = Path(args.backup).expanduser().resolve() if args.backup else None
    restored = restore_book(ctx.paths, chosen)
    print(f"restored the consent book from the backup of {describe(restored.source)} ({restored.source})")
    if restored.damaged_copy is not None:
        print(f"the file it replaced is kept as {restored.damaged_copy}")
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    verify = subparsers.add_parser(
        "verify",
        parents=[common],
        help="check the ledger's chain and signatures, the cached state and the anchor (exit 1 = broken)",
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="exit 4 when nothing is wrong but not everything could be proven (e.g. no signing key here)",
    )
    verify.set_defaults(handler=cmd_verify)
    rebuild = subparsers.add_parser(
        "rebuild", parents=[common], help="regenerate consent state from the ledger"
    )
    rebuild.add_argument(
        "--reanchor",
        action="store_true",
        help="also accept the book as it is now (after restoring a backup on purpose): write a new anchor",
    )
    rebuild.set_defaults(handler=cmd_rebuild)

    export = subparsers.add_parser("export", parents=[common], help="export consent state or the full ledger")
    export.add_argument("what", choices=("consent", "ledger"))
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=cmd_export)

    importer = subparsers.add_parser("import", parents=[common], help="import opt-out lists from other tools")
    importer.add_argument("what", choices=("opt-outs",))
    importer.add_argument("file", metavar="FILE.csv")
    importer.add_argument("--region", metavar="CC", help="country for numbers without +code (e.g. US, GB)")
    importer.set_defaults(handler=cmd_import)

    status = subparsers.add_parser("status", parents=[common], help="consent state of one phone number")
    status.add_argument("phone")
    status.add_argument("--json", action="store_true", help="stable JSON for other tools")
    status.set_defaults(handler=cmd_status)

    contact = subparsers.add_parser("contact", parents=[common], help="data-subject requests for one contact")
    contact.add_argument("action", choices=("export", "erase"))
    contact.add_argument("phone")
    contact.add_argument("-o", "--output", metavar="FILE", help="export: write to FILE instead of stdout")
    contact.add_argument("--yes", action="store_true", help="erase: confirm")
    contact.set_defaults(handler=cmd_contact)

    restore = subparsers.add_parser(
        "restore", parents=[common], help="replace a damaged book with a backup (the old file is kept aside)"
    )
    restore.add_argument(
        "backup", nargs="?", metavar="BACKUP", help="a backup file (default: the newest that passes a check)"
    )
    restore.set_defaults(handler=cmd_restore)
