"""Upgrading a filled book from the oldest revision loses nothing; backups come first and rotate."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ConsentAction, ContactRef, EventSource, NewConsentEvent, StatusUpdate
from desktop_app.domain.records import BookTooNewError
from desktop_app.storage import backup, migrate
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, Clock, inbound, verdict


def table_counts(path: Path) -> dict[str, int]:
    raw = sqlite3.connect(path)
    try:
        names = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            n: raw.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names if n != "alembic_version"
        }
    finally:
        raw.close()


def revision(path: Path) -> str:
    raw = sqlite3.connect(path)
    try:
        return raw.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        raw.close()


def test_oldest_revision_filled_then_upgraded_keeps_everything(tmp_path: Path, clock: Clock) -> None:
    path, backups = tmp_path / "old.sqlite3", tmp_path / "backups"
    assert migrate.OLDEST_REVISION == "0001" and migrate.head_revision() == migrate.HEAD_REVISION
    old = ConsentBook.open(path, backup_dir=backups, now=clock, target_revision=migrate.OLDEST_REVISION)
    try:
        with old.unit_of_work() as uow:
            for i in range(50):
                mid = uow.store_inbound(
                    inbound(f"w{i}", phone=f"1555010{i:04d}", text=f"stop {i}", name=f"N{i}")
                )
                assert mid is not None
                if i % 2:
                    uow.add_detection(mid, verdict())
                if i % 5 == 0:
                    rec = uow.append_event(
                        NewConsentEvent(
                            f"+1555010{i:04d}",
                            "marketing",
                            ConsentAction.OPT_OUT,
                            T0 + timedelta(minutes=i),
                            EventSource.KEYWORD,
                            "auto:test",
                            evidence_message_id=f"w{i}",
                            evidence_text=f"stop {i}",
                        )
                    )
                    uow.mark_confirmation(rec.id, f"conf{i}", T0, "sent")
                    uow.apply_status(
                        StatusUpdate("meta", f"conf{i}", ContactRef(f"1555010{i:04d}"), "delivered", T0)
                    )
            uow.store_unparsed("meta", "odd", {"x": 1})
            uow.set_cursor("twilio", "c1")
        ledger_before = old.verify()
    finally:
        old.close()
    assert revision(path) == "0001"
    counts_before = table_counts(path)
    assert counts_before["messages"] == 50 and counts_before["consent_events"] == 10

    clock.advance(days=2)
    new = ConsentBook.open(path, backup_dir=backups, now=clock)
    try:
        assert revision(path) == migrate.HEAD_REVISION
        counts_after = table_counts(path)
        assert {name: counts_after[name] for name in counts_before} == counts_before
        assert [c.name for c in new.conversations(search="stop 7")] == ["N7"]  # 0003 indexed old rows
        after = new.verify()
        assert after.ok and after.checked == 10 and after.head_hash == ledger_before.head_hash
        assert len(new.pending_detections()) == 25
        assert not new.may_send("+15550100005", "marketing").allowed
        assert new.get_cursor("twilio") == "c1"
        assert [m.text for m in new.thread("+15550100007")] == ["stop 7"]
        assert new.history("+15550100005")[0].confirmation_status == "delivered"
        assert new.erase_contact_messages("+15550100007") == 1  # the 0002 column works on old rows
    finally:
        new.close()
    made = backup.list_backups(path, backups)
    assert len(made) == 1 and "before-upgrade-0001" in made[0].name
    assert revision(made[0]) == "0001" and table_counts(made[0]) == counts_before


def test_a_book_from_a_newer_app_is_refused_untouched(book_path: Path, clock: Clock) -> None:
    ConsentBook.open(book_path, now=clock).close()
    raw = sqlite3.connect(book_path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    before = book_path.read_bytes()
    with pytest.raises(BookTooNewError, match="newer version"):
        ConsentBook.open(book_path, now=clock)
    assert book_path.read_bytes() == before


def test_backups_rotate_and_are_consistent_copies(book: ConsentBook, clock: Clock) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(
            NewConsentEvent("+15550101234", "all", ConsentAction.OPT_OUT, T0, EventSource.MANUAL, "owner")
        )
    book.keep_backups = 3
    made = []
    for _ in range(5):
        clock.advance(seconds=1)
        made.append(book.backup())
    kept = backup.list_backups(book.path, book.backup_dir)
    assert kept == made[-3:]
    copy = ConsentBook.open(kept[-1], now=clock)
    try:
        assert copy.verify().checked == 1
        assert not copy.may_send("+15550101234", "order_updates").allowed
    finally:
        copy.close()


def test_daily_automatic_backup_on_open(book_path: Path, clock: Clock) -> None:
    backups = book_path.parent / "backups"
    ConsentBook.open(book_path, backup_dir=backups, now=clock).close()
    assert backup.list_backups(book_path, backups) == []  # a brand-new book has nothing to save
    ConsentBook.open(book_path, backup_dir=backups, now=clock).close()
    assert len(backup.list_backups(book_path, backups)) == 1
    ConsentBook.open(book_path, backup_dir=backups, now=clock).close()
    assert len(backup.list_backups(book_path, backups)) == 1  # not again within a day
