"""verify catches what a plain chain cannot: state edits, re-hashed rewrites, lost newest rows, a lost WAL."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.domain.consent import GENESIS_HASH, HASHED_FIELDS, event_hash
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.services.book_key import KeychainBookKeys
from desktop_app.services.paths import AppPaths
from desktop_app.storage.anchor import anchor_path, read_anchor
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.ledger import rebuild_state
from desktop_app.storage.signing import KEY_MISSING
from tests.integration.storage.conftest import T0, Clock, inbound

ANN = "+15550101234"


def opt(book: ConsentBook, count: int, start: int = 0, action: ConsentAction = ConsentAction.OPT_OUT) -> None:
    with book.unit_of_work() as uow:
        for i in range(start, start + count):
            uow.append_event(
                NewConsentEvent(
                    f"+1555010{i % 9:04d}", "marketing", action, T0 + timedelta(minutes=i),
                    EventSource.KEYWORD, "auto:test", evidence_text=f"STOP {i}",
                )
            )  # fmt: skip


def messages(book: ConsentBook, count: int, start: int = 0) -> None:
    with book.unit_of_work() as uow:
        for i in range(start, start + count):
            uow.store_inbound(inbound(f"wamid.{i}", text=f"hello {i}"))


def open_book(path: Path, clock: Clock, keys: KeychainBookKeys | None = None) -> ConsentBook:
    return ConsentBook.open(path, now=clock, keys=keys or KeychainBookKeys())


@pytest.fixture
def closed_book(book_path: Path, clock: Clock) -> Path:
    """A keyed book with 10 ledger rows and 5 messages, closed (so its anchor is written)."""
    book = open_book(book_path, clock)
    try:
        opt(book, 10)
        messages(book, 5)
    finally:
        book.close()
    return book_path


def tamper(path: Path, *statements: str) -> None:
    """What anyone with the file and the sqlite3 shell can do: the triggers are no obstacle."""
    raw = sqlite3.connect(path)
    try:
        raw.execute("DROP TRIGGER IF EXISTS consent_events_no_update")
        raw.execute("DROP TRIGGER IF EXISTS consent_events_no_delete")
        for statement in statements:
            raw.execute(statement)
        raw.commit()
    finally:
        raw.close()


def rehash_from(path: Path, first: int, *, strip_signatures: bool) -> None:
    """Recompute the plain chain from row `first` on (no key needed) and fix the state to match."""
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("BEGIN")
        previous = raw.execute("SELECT hash FROM consent_events WHERE id = ?", (first - 1,)).fetchone()
        previous = previous[0] if previous else GENESIS_HASH
        rows = raw.execute(
            f"SELECT {', '.join(HASHED_FIELDS)} FROM consent_events WHERE id >= ? ORDER BY id", (first,)
        ).fetchall()
        for row in rows:
            digest = event_hash(previous, dict(zip(HASHED_FIELDS, row, strict=True)))
            mac = ", mac = NULL" if strip_signatures else ""
            raw.execute(
                f"UPDATE consent_events SET prev_hash = ?, hash = ?{mac} WHERE id = ?",
                (previous, digest, row[0]),
            )
            previous = digest
        rebuild_state(raw)  # leave no trace in the state table either
        raw.execute("COMMIT")
    finally:
        raw.close()


# (a) -------------------------------------------------------------------------------------------------
def test_a_hand_edited_state_table_is_named_and_rebuild_repairs_it(closed_book: Path, clock: Clock) -> None:
    tamper(closed_book, f"UPDATE consent_state SET state = 'opted_in' WHERE contact_key = '{'+15550100003'}'")
    book = open_book(closed_book, clock)
    try:
        assert book.may_send("+15550100003", "marketing").allowed  # what the edit bought the attacker
        result = book.verify()
        assert not result.ok and result.state_differences == 1
        assert any(
            "+15550100003 / marketing: the state table says opted_in" in line
            and "the ledger says opted_out" in line
            for line in result.problems
        ), result.problems
        assert result.first_broken_id is None  # the chain itself is intact: nobody touched the ledger
        book.rebuild_state()
        assert book.verify().ok and book.verify().authenticated
        assert not book.may_send("+15550100003", "marketing").allowed
    finally:
        book.close()


# (b) -------------------------------------------------------------------------------------------------
@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_b_a_rewrite_with_recomputed_hashes_fails_the_signatures(closed_book: Path, clock: Clock) -> None:
    tamper(closed_book, "UPDATE consent_events SET action = 'opt_in' WHERE id = 4")
    rehash_from(closed_book, 4, strip_signatures=False)
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert result.first_broken_id is None  # the plain chain checks out: that was the hole
        assert not result.ok
        assert any("row 4's signature does not match this book's key" in p for p in result.problems)
        assert any("the ledger was rewritten: row 10" in p for p in result.problems)
    finally:
        book.close()


@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_b_stripping_the_signatures_too_is_caught_by_the_anchor(closed_book: Path, clock: Clock) -> None:
    tamper(closed_book, "UPDATE consent_events SET action = 'opt_in' WHERE id = 4")
    rehash_from(closed_book, 4, strip_signatures=True)
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert not result.ok
        assert any("the ledger was rewritten: row 10 no longer has the hash" in p for p in result.problems)
        assert any("rows 4–10 carry no signature" in gap for gap in result.cannot_prove)
    finally:
        book.close()


@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_b_without_the_anchor_either_verify_still_refuses_to_say_ok(closed_book: Path, clock: Clock) -> None:
    tamper(closed_book, "UPDATE consent_events SET action = 'opt_in' WHERE id = 4")
    rehash_from(closed_book, 4, strip_signatures=True)
    anchor_path(closed_book).unlink()
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert not result.ok and any("is missing (the book was anchored" in p for p in result.problems)
    finally:
        book.close()


@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_an_edited_anchor_is_caught_by_its_signature(closed_book: Path, clock: Clock) -> None:
    path = anchor_path(closed_book)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["ledger_rows"], data["head_hash"] = 7, "0" * 64  # to hide a truncation to 7 rows
    path.write_text(json.dumps(data), encoding="utf-8")
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert not result.ok and any("was edited: its signature does not match" in p for p in result.problems)
    finally:
        book.close()


# (c) -------------------------------------------------------------------------------------------------
@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_c_deleting_the_newest_rows_is_counted(closed_book: Path, clock: Clock) -> None:
    tamper(closed_book, "DELETE FROM consent_events WHERE id > 7", "DELETE FROM messages WHERE id > 3")
    raw = sqlite3.connect(closed_book)
    try:
        raw.execute("BEGIN")
        rebuild_state(raw)
        raw.execute("COMMIT")
    finally:
        raw.close()
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert result.first_broken_id is None and result.state_differences == 0  # a clean-looking book
        assert not result.ok and (result.missing_rows, result.missing_messages) == (3, 2)
        assert any(p.startswith("3 ledger rows are missing: the anchor") for p in result.problems)
        assert any(p.startswith("2 messages are missing") for p in result.problems)
        opt(book, 1, start=50)  # the shop keeps working; the evidence stays
        book.flush_anchor()
        assert read_anchor(anchor_path(closed_book)).seen.ledger_rows == 10
        assert not book.verify().ok
        book.reanchor()  # the owner accepts the book as it is
        assert book.verify().ok
    finally:
        book.close()


# (d) -------------------------------------------------------------------------------------------------
@pytest.mark.expect_log(level="ERROR", match=r"no longer matches its anchor")
def test_d_a_lost_wal_is_counted_in_rows_and_messages(
    closed_book: Path, clock: Clock, tmp_path: Path
) -> None:
    book = open_book(closed_book, clock)
    try:
        messages(book, 40, start=100)  # acknowledged: committed (fsynced to the -wal)
        opt(book, 12, start=100)
        book.flush_anchor()
        lost = tmp_path / "after-crash"
        lost.mkdir()
        # What a truncated WAL leaves: the main file as of the last checkpoint, without the -wal.
        shutil.copyfile(closed_book, lost / closed_book.name)
        shutil.copyfile(anchor_path(closed_book), anchor_path(lost / closed_book.name))
    finally:
        book.close()
    copy = lost / closed_book.name
    raw = sqlite3.connect(copy)
    try:  # the premise: the rows really are gone from the copy
        assert raw.execute("SELECT count(*) FROM consent_events").fetchone()[0] == 10
    finally:
        raw.close()
    survivor = open_book(copy, clock)
    try:
        result = survivor.verify()
        assert result.first_broken_id is None and result.state_differences == 0
        assert (result.ok, result.missing_rows, result.missing_messages) == (False, 12, 40)
        assert any("12 ledger rows are missing" in p and "lost -wal file" in p for p in result.problems)
        assert any(p.startswith("40 messages are missing") for p in result.problems)
    finally:
        survivor.close()
    assert read_anchor(anchor_path(copy)).seen.ledger_rows == 22  # never re-anchored to the loss


# the key ------------------------------------------------------------------------------------------------
def test_without_the_key_it_says_so_and_still_records_opt_outs(
    closed_book: Path, clock: Clock, memory_keyring
) -> None:
    memory_keyring.store.clear()  # the book moved to a computer whose keychain does not have its key
    book = open_book(closed_book, clock)
    try:
        result = book.verify()
        assert result.ok and not result.authenticated and KEY_MISSING in result.cannot_prove
        opt(book, 1, start=60)  # an opt-out is never refused for want of a key
        assert not book.may_send("+15550100006", "marketing").allowed
        assert book.verify().ok
    finally:
        book.close()


def test_new_books_are_signed_and_upgraded_books_signed_from_the_upgrade(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "old.sqlite3"
    old = ConsentBook.open(path, now=clock, target_revision="0003")
    try:
        opt(old, 4)
    finally:
        old.close()
    book = open_book(path, clock)
    try:
        opt(book, 3, start=4)
        result = book.verify()
        assert result.ok and result.authenticated and result.checked == 7
        assert any(note.startswith("rows 1–4 predate this book's signing key") for note in result.notes)
        assert any(note == "rows 5–7 are signed with this book's key" for note in result.notes)
    finally:
        book.close()
    raw = sqlite3.connect(path)
    try:
        macs = [row[0] for row in raw.execute("SELECT mac FROM consent_events ORDER BY id")]
        (book_id,) = raw.execute("SELECT book_id FROM book_identity").fetchone()
        tables = " ".join(str(row) for row in raw.execute("SELECT * FROM book_identity"))
    finally:
        raw.close()
    assert macs[:4] == [None] * 4 and all(len(mac) == 64 for mac in macs[4:])
    key = KeychainBookKeys().load(book_id)
    assert key is not None and key.keyed_from == 5 and key.secret.hex() not in tables


# backups and exports carry the anchor ------------------------------------------------------------------
def test_backups_have_an_anchor_sidecar_and_exports_an_anchor_trailer(
    closed_book: Path, clock: Clock
) -> None:
    book = ConsentBook.open(
        closed_book, now=clock, backup_dir=closed_book.parent / "backups", keys=KeychainBookKeys()
    )
    try:
        made = book.backup()
        sidecar = read_anchor(anchor_path(made))
        assert sidecar is not None and (sidecar.seen.ledger_rows, sidecar.seen.messages_high) == (10, 5)
        assert sidecar.seen.head_hash == book.verify().head_hash and sidecar.mac
    finally:
        book.close()
    copy = ConsentBook.open(made, now=clock, keys=KeychainBookKeys())
    try:
        assert copy.verify().authenticated
    finally:
        copy.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    yield folder
    for handler in list(logging.getLogger().handlers):  # the CLI's file log must not outlive the test
        if isinstance(handler, logging.FileHandler) and str(folder) in handler.baseFilename:
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_the_cli_says_each_finding_and_rebuild_repairs_state(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = AppPaths.resolve(data_dir)
    paths.ensure()
    book = ConsentBook.open(paths.book_path, keys=KeychainBookKeys())
    opt(book, 3)
    book.close()
    assert main(["--data-dir", str(data_dir), "verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 3 ledger rows verified") and "signed with this book's key" in out
    assert main(["--data-dir", str(data_dir), "export", "ledger"]) == 0
    trailer = capsys.readouterr().out.splitlines()[-1]
    assert trailer.startswith("#anchor,kind=consent-desk anchor,book_id=") and "ledger_rows=3" in trailer

    tamper(paths.book_path, "UPDATE consent_state SET state = 'opted_in'")
    assert main(["--data-dir", str(data_dir), "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN: state: +15550100000 / marketing: the state table says opted_in" in out
    assert main(["--data-dir", str(data_dir), "rebuild"]) == 0
    assert main(["--data-dir", str(data_dir), "verify"]) == 0
    capsys.readouterr()


def test_the_cli_without_the_key_says_the_plain_sentence(
    data_dir: Path, capsys: pytest.CaptureFixture[str], memory_keyring
) -> None:
    paths = AppPaths.resolve(data_dir)
    paths.ensure()
    book = ConsentBook.open(paths.book_path, keys=KeychainBookKeys())
    opt(book, 2)
    book.close()
    memory_keyring.store.clear()
    assert main(["--data-dir", str(data_dir), "verify"]) == 0  # nothing wrong was found...
    assert f"warning: {KEY_MISSING}" in capsys.readouterr().out  # ...and it says what it could not prove
    assert main(["--data-dir", str(data_dir), "verify", "--strict"]) == 4


def test_the_app_says_rebuild_for_a_state_edit_and_notes_a_missing_key(
    closed_book: Path, clock: Clock, memory_keyring
) -> None:
    from desktop_app.services.consent_book import ConsentBookService

    tamper(closed_book, "UPDATE consent_state SET state = 'opted_in'")
    book = open_book(closed_book, clock)
    try:
        report = ConsentBookService(book).verify()
        assert not report.ok and "consent-desk rebuild" in report.message and "(9 entries)" in report.message
        book.rebuild_state()
    finally:
        book.close()
    memory_keyring.store.clear()
    book = open_book(closed_book, clock)
    try:
        report = ConsentBookService(book).verify()
        assert report.ok and report.message.endswith(f"Note: {KEY_MISSING}.")
    finally:
        book.close()


def test_the_demo_book_is_signed_without_filling_the_keychain(tmp_path: Path, memory_keyring) -> None:
    from desktop_app.services.runtime import AppRuntime
    from desktop_app.services.settings import Settings

    paths = AppPaths.resolve(tmp_path / "demo-data")
    for _ in range(2):  # each demo run starts from a fresh book (and a fresh anchor)
        runtime = AppRuntime(paths, Settings(), demo=True)
        try:
            opt(runtime.book, 2)
            assert runtime.book.verify().authenticated
        finally:
            runtime.stop()
    assert not [name for _, name in memory_keyring.store if name.startswith("book.")]
