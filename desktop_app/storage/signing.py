"""The ledger's signing key: a keychain port, HMAC-SHA256 over each row's chain hash, key set-up at open."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

KEY_MISSING = (
    "this book's signing key is not in this computer's keychain: "
    "the chain's integrity can be checked but not its authenticity"
)
NO_KEYCHAIN = (
    "this book has no signing key yet (no keychain was available to keep one): "
    "the chain's integrity can be checked but not its authenticity"
)
_ROW = b"consent-desk ledger row v1\n"
_TEXT = b"consent-desk anchor v1\n"


@dataclass(frozen=True, slots=True)
class BookKey:
    """A book's secret (never stored in the book) and the first ledger row signed with it."""

    secret: bytes = field(repr=False)
    keyed_from: int

    def row_mac(self, chain_hash: str) -> str:
        """A row's signature: its chain hash covers every row before it, so this signs the whole prefix."""
        return hmac.new(self.secret, _ROW + chain_hash.encode("ascii"), hashlib.sha256).hexdigest()

    def text_mac(self, text: str) -> str:
        return hmac.new(self.secret, _TEXT + text.encode("utf-8"), hashlib.sha256).hexdigest()


class BookKeyStore(Protocol):
    """Where book keys live (the OS keychain in the app: services.book_key); storage sees only this."""

    def load(self, book_id: str) -> BookKey | None:
        """The key saved for this book id, or None when the keychain has none (or cannot be read)."""
        ...

    def create(self, book_id: str, keyed_from: int) -> BookKey | None:
        """Make and save a new random key; None when no keychain can keep it (nothing is saved then)."""
        ...


@dataclass(frozen=True, slots=True)
class KeyState:
    """What the book knows about its key after opening."""

    book_id: str | None = None  # None: a book older than revision 0004
    key: BookKey | None = None
    keyed_from: int | None = None  # the keychain's word when it has the key, else the book's
    missing: str | None = None  # why rows cannot be authenticated (KEY_MISSING, NO_KEYCHAIN)
    problem: str | None = None  # the book's identity disagrees with the keychain


def _next_row(raw: sqlite3.Connection) -> int:
    return int(raw.execute("SELECT coalesce(max(id), 0) + 1 FROM consent_events").fetchone()[0])


def _adopt(raw: sqlite3.Connection, book_id: str, keyed_from: int | None, keys: BookKeyStore) -> KeyState:
    """Create the key of a book that never had one (new, or just upgraded), in one write transaction."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        key = keys.load(book_id)
        if key is None:
            key = keys.create(book_id, _next_row(raw))
        if key is not None:
            raw.execute("UPDATE book_identity SET keyed_from = ? WHERE id = 1", (key.keyed_from,))
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    if key is None:
        return KeyState(book_id, None, keyed_from, NO_KEYCHAIN)
    return KeyState(book_id, key, key.keyed_from)


def prepare_key(path: Path, keys: BookKeyStore | None, busy_timeout_ms: int) -> KeyState:
    """Load this book's key from the keychain, creating it the first time; never replaces a saved key."""
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        try:
            row = raw.execute("SELECT book_id, keyed_from FROM book_identity WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            return KeyState()  # an older revision (only when a caller asks for one): no keying at all
        if row is None:
            return KeyState(problem="the book's identity row is missing, so its signatures cannot be checked")
        book_id, keyed_from = str(row[0]), row[1]
        if keys is None:
            return KeyState(book_id, None, keyed_from, KEY_MISSING if keyed_from else NO_KEYCHAIN)
        if keyed_from is None:
            return _adopt(raw, book_id, keyed_from, keys)
        key = keys.load(book_id)
        if key is None:
            return KeyState(book_id, None, keyed_from, KEY_MISSING)
        if key.keyed_from != keyed_from:
            return KeyState(
                book_id,
                key,
                key.keyed_from,
                problem=(
                    f"the book says its rows are signed from row {keyed_from}, but the keychain says from "
                    f"row {key.keyed_from}: the book's identity was edited"
                ),
            )
        return KeyState(book_id, key, key.keyed_from)
    finally:
        raw.close()
