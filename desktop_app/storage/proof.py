"""`verify` in full: the hash chain and its signatures, the cached state, and the anchor beside the book."""

from __future__ import annotations

import hmac
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.domain.consent import GENESIS_HASH, HASHED_FIELDS, event_hash
from desktop_app.domain.records import VerifyResult
from desktop_app.storage.anchor import Anchor, AnchorUnreadableError, departure, observe, read_anchor
from desktop_app.storage.signing import KeyState
from desktop_app.storage.state_check import state_differences

_FIELDS = ", ".join(HASHED_FIELDS)
_SELECT_SIGNED = f"SELECT {_FIELDS}, prev_hash, hash, mac FROM consent_events ORDER BY id"  # noqa: S608
_SELECT_PLAIN = f"SELECT {_FIELDS}, prev_hash, hash, NULL FROM consent_events ORDER BY id"  # noqa: S608


@dataclass
class ChainWalk:
    checked: int = 0
    head: str = GENESIS_HASH
    broken_id: int | None = None
    reason: str | None = None
    bad_mac_id: int | None = None
    unsigned_from: int | None = None  # start of the run of unsigned rows that no later signature covers
    signed: int = 0
    problems: list[str] = field(default_factory=list)


def _rows(raw: sqlite3.Connection) -> sqlite3.Cursor:
    try:
        return raw.execute(_SELECT_SIGNED)
    except sqlite3.OperationalError:  # a book before revision 0004 has no signatures at all
        return raw.execute(_SELECT_PLAIN)


def _check_row(walk: ChainWalk, row: tuple[object, ...], expected_id: int) -> bool:
    fields = dict(zip(HASHED_FIELDS, row[: len(HASHED_FIELDS)], strict=True))
    row_id, prev_hash, stored = row[0], row[-3], row[-2]
    if row_id != expected_id:
        walk.broken_id, walk.reason = (
            int(str(row_id)),
            f"row {expected_id} is missing (next row found is {row_id})",
        )
    elif prev_hash != walk.head:
        walk.broken_id, walk.reason = (
            expected_id,
            "its link to the previous row does not match (a row before it changed)",
        )
    elif event_hash(walk.head, fields) != stored:
        walk.broken_id, walk.reason = expected_id, "its contents changed after it was recorded"
    else:
        walk.head = str(stored)
        return True
    return False


def walk_chain(raw: sqlite3.Connection, keys: KeyState) -> ChainWalk:
    """Recompute every row's hash in id order and, with the key, every row's signature."""
    walk = ChainWalk()
    key, keyed_from = keys.key, keys.keyed_from or 0
    cursor = _rows(raw)
    try:
        while walk.broken_id is None and (rows := cursor.fetchmany(5000)):
            for row in rows:
                if not _check_row(walk, row, walk.checked + 1):
                    break
                walk.checked += 1
                row_id, mac = walk.checked, row[-1]
                if mac is not None:
                    walk.signed += 1
                    if (
                        key is not None
                        and walk.bad_mac_id is None
                        and not hmac.compare_digest(str(mac), key.row_mac(walk.head))
                    ):
                        walk.bad_mac_id = row_id
                    walk.unsigned_from = None
                elif key is not None and row_id >= keyed_from and walk.unsigned_from is None:
                    walk.unsigned_from = row_id
    finally:
        cursor.close()
    return walk


def _signatures(walk: ChainWalk, keys: KeyState, out: _Findings) -> None:
    if keys.problem:
        out.problems.append(keys.problem)
    if walk.bad_mac_id is not None:
        out.problems.append(
            f"row {walk.bad_mac_id}'s signature does not match this book's key: the ledger from there on "
            "was written or rewritten by someone without the key (or the keychain holds another key for it)"
        )
    if keys.key is None:
        if keys.missing and (walk.checked or keys.keyed_from):
            out.cannot_prove.append(keys.missing)
        return
    keyed_from = keys.key.keyed_from
    if keyed_from > 1 and walk.checked:
        out.notes.append(
            f"rows 1–{min(keyed_from - 1, walk.checked):,} predate this book's signing key (recorded before "
            "the upgrade that introduced it): their integrity is proven, not who wrote them"
        )
    if walk.unsigned_from is not None:
        out.cannot_prove.append(
            f"rows {walk.unsigned_from:,}–{walk.checked:,} carry no signature: they were written while the "
            "keychain was unavailable, or rewritten by someone without the key"
        )
    elif walk.bad_mac_id is None and walk.checked >= keyed_from:
        out.notes.append(f"rows {keyed_from:,}–{walk.checked:,} are signed with this book's key")


@dataclass
class _Findings:
    problems: list[str] = field(default_factory=list)
    cannot_prove: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing_rows: int = 0
    missing_messages: int = 0


def _anchored_at(raw: sqlite3.Connection) -> str | None:
    try:
        row = raw.execute("SELECT anchored_at FROM book_identity WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else row[0]


def _anchor(
    raw: sqlite3.Connection, anchor: Anchor | None, path: Path, keys: KeyState, out: _Findings
) -> None:
    if anchor is None:
        anchored = _anchored_at(raw)
        if anchored:
            out.problems.append(
                f"the anchor {path.name} beside the book is missing (the book was anchored {anchored}): "
                "rows or messages lost since cannot be counted; copy the anchor back, or accept the book "
                "as it is with `consent-desk rebuild --reanchor`"
            )
        else:
            out.cannot_prove.append(
                f"there is no anchor {path.name} beside the book yet: truncation cannot be seen"
            )
        return
    now = observe(raw)
    if (
        keys.key is not None
        and anchor.mac is not None
        and not hmac.compare_digest(anchor.mac, keys.key.text_mac(anchor.payload()))
    ):
        out.problems.append(
            f"the anchor {path.name} was edited: its signature does not match this book's key"
        )
    found = departure(anchor, raw, now)
    out.problems.extend(found)
    out.missing_rows = max(0, anchor.seen.ledger_rows - now.ledger_rows)
    out.missing_messages = max(0, anchor.seen.messages_high - now.messages_high)
    if not found:
        out.notes.append(
            f"the book extends its anchor (update {anchor.seq}, {anchor.written_at}: "
            f"{anchor.seen.ledger_rows:,} ledger rows, messages up to #{anchor.seen.messages_high:,})"
        )


def verify_book(raw: sqlite3.Connection, keys: KeyState, anchor_file: Path) -> VerifyResult:
    """Everything verify checks, in one read transaction of `raw` (the anchor file is read first)."""
    out = _Findings()
    unreadable = None
    try:
        anchor = read_anchor(anchor_file)
    except AnchorUnreadableError as exc:
        anchor, unreadable = None, f"the anchor cannot be read: {exc}"
    walk = walk_chain(raw, keys)
    if walk.broken_id is not None:
        out.problems.append(f"ledger row {walk.broken_id}: {walk.reason}")
    _signatures(walk, keys, out)
    differing, lines = state_differences(raw)
    if lines:
        out.problems.extend(f"state: {line}" for line in lines)
        out.problems.append("state: `consent-desk rebuild` regenerates the state table from the ledger")
    else:
        out.notes.append("the state table that may_send reads matches the ledger")
    if unreadable:
        out.problems.append(unreadable)
    else:
        _anchor(raw, anchor, anchor_file, keys, out)
    ok = not out.problems
    return VerifyResult(
        ok,
        walk.checked,
        walk.broken_id,
        walk.reason if walk.broken_id is not None else (out.problems[0] if out.problems else None),
        walk.head if walk.checked and walk.broken_id is None else None,
        tuple(out.problems),
        tuple(out.cannot_prove),
        tuple(out.notes),
        out.missing_rows,
        out.missing_messages,
        differing,
    )
