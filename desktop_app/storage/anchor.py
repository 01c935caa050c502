"""The anchor beside the book: ledger rows, head hash and newest message, so truncation shows."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.domain.consent import GENESIS_HASH, iso_utc
from desktop_app.storage.signing import BookKey

ANCHOR_SUFFIX = ".anchor"
KIND = "consent-desk anchor"
FORMAT = 1


class AnchorUnreadableError(ValueError):
    """The anchor file exists but is not an anchor (edited, damaged, or half-written by hand)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """What one read transaction sees: the ledger's length and head, and the newest message row."""

    book_id: str | None
    ledger_rows: int
    head_hash: str
    head_mac: str | None
    messages_high: int


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int  # grows by one with every write of the anchor file
    written_at: str
    seen: Observation
    mac: str | None = None  # HMAC with the book key over everything above; None when written without it

    def payload(self) -> str:
        body = {"kind": KIND, "format": FORMAT, "seq": self.seq, "written_at": self.written_at}
        return json.dumps({**body, **asdict(self.seen)}, sort_keys=True, separators=(",", ":"))

    def signed(self, key: BookKey | None) -> Anchor:
        return Anchor(self.seq, self.written_at, self.seen, key.text_mac(self.payload()) if key else None)

    def to_text(self) -> str:
        return json.dumps({**json.loads(self.payload()), "mac": self.mac}, sort_keys=True) + "\n"


def anchor_path(book: Path) -> Path:
    return book.with_name(book.name + ANCHOR_SUFFIX)


def observe(raw: sqlite3.Connection) -> Observation:
    """The current head, by index lookups only (cheap at any size); works on books before revision 0004."""
    try:
        identity = raw.execute("SELECT book_id FROM book_identity WHERE id = 1").fetchone()
        head = raw.execute("SELECT id, hash, mac FROM consent_events ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        identity = None
        head = raw.execute("SELECT id, hash, NULL FROM consent_events ORDER BY id DESC LIMIT 1").fetchone()
    high = raw.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
    rows, head_hash, head_mac = (int(head[0]), str(head[1]), head[2]) if head else (0, GENESIS_HASH, None)
    return Observation(identity[0] if identity else None, rows, head_hash, head_mac, int(high))


def observe_file(path: Path) -> Observation:
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return observe(raw)
    finally:
        raw.close()


def read_anchor(path: Path) -> Anchor | None:
    """The anchor in `path`, None when there is no file; AnchorUnreadableError when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        if data.get("kind") != KIND or data.get("format") != FORMAT:
            raise ValueError("not a consent-desk anchor")
        seen = Observation(
            data["book_id"], int(data["ledger_rows"]), str(data["head_hash"]), data["head_mac"],
            int(data["messages_high"]),
        )  # fmt: skip
        return Anchor(int(data["seq"]), str(data["written_at"]), seen, data.get("mac"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnchorUnreadableError(f"{path} is not a readable anchor ({exc})") from exc


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Atomically: a temporary file, fsync, rename over the old one, fsync the folder."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(anchor.to_text())
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    if os.name == "posix":  # the rename itself must survive a power cut
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def write_sidecar(copy: Path, key: BookKey | None, now: datetime) -> Path:
    """The anchor of a backup copy, computed from the copy itself, beside it (`copy.sqlite3.anchor`)."""
    target = anchor_path(copy)
    write_anchor(target, Anchor(0, iso_utc(now), observe_file(copy)).signed(key))
    return target


def adopt_backup_anchor(copy: Path, book: Path, now: datetime) -> None:
    """After a restore, the backup's own anchor becomes the book's (the old one went aside with its file)."""
    try:
        anchor = read_anchor(anchor_path(copy))
    except AnchorUnreadableError:
        anchor = None
    if anchor is None:
        write_sidecar(book, None, now)
    else:
        write_anchor(anchor_path(book), anchor)


def departure(anchor: Anchor, raw: sqlite3.Connection, now: Observation) -> list[str]:
    """How the book fell behind or away from the anchor, in plain words ([] = it extends the anchor)."""
    seen, found = anchor.seen, []
    label = f"the anchor (update {anchor.seq}, {anchor.written_at})"
    if seen.book_id and now.book_id and seen.book_id != now.book_id:
        return [f"the anchor belongs to another book (id {seen.book_id}; this book is {now.book_id})"]
    if now.ledger_rows < seen.ledger_rows:
        missing = seen.ledger_rows - now.ledger_rows
        found.append(
            f"{missing:,} ledger rows are missing: {label} recorded {seen.ledger_rows:,} rows with head "
            f"{seen.head_hash[:16]}…, the book has {now.ledger_rows:,}; the newest rows were deleted "
            "or the book was rolled back (an older copy, or a lost -wal file)"
        )
    elif seen.ledger_rows:
        row = raw.execute("SELECT hash FROM consent_events WHERE id = ?", (seen.ledger_rows,)).fetchone()
        if row is None or row[0] != seen.head_hash:
            found.append(
                f"the ledger was rewritten: row {seen.ledger_rows:,} no longer has the hash {label} "
                f"recorded ({seen.head_hash[:16]}…)"
            )
    if now.messages_high < seen.messages_high:
        missing = seen.messages_high - now.messages_high
        found.append(
            f"{missing:,} messages are missing: {label} recorded messages up to #{seen.messages_high:,}, "
            f"the book's newest is #{now.messages_high:,}"
        )
    return found


def trailer(now: Observation) -> dict[str, object]:
    """The anchor line of an export: what the exported rows came from."""
    return {"kind": KIND, **asdict(now)}
