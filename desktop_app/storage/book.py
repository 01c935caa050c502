"""ConsentBook: the one object services and commands use to store, decide and read consent."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from desktop_app.domain.consent import decide, effective_may_send, iso_utc, parse_iso
from desktop_app.domain.dashboard import DashboardExtras
from desktop_app.domain.model import (
    ALL,
    DEFAULT_CATEGORIES,
    CategoryState,
    ConsentEventRecord,
    Decision,
)
from desktop_app.domain.phone import is_e164, typed_contact_key
from desktop_app.domain.records import (
    BookCorruptError,
    BookError,
    BookReadOnlyError,
    ConsentRow,
    ContactConsentRow,
    ContactRecord,
    ConversationSummary,
    DetectionRecord,
    ImportPreview,
    ImportReport,
    MessageRecord,
    VerifyResult,
    WeekStats,
)
from desktop_app.storage import (
    applied,
    backup,
    dashboard,
    dsr,
    exchange,
    integrity,
    migrate,
    reads,
    restore,
    review,
    stats,
)
from desktop_app.storage.anchor import anchor_path, observe, trailer, write_sidecar
from desktop_app.storage.anchor_keeper import AnchorKeeper
from desktop_app.storage.checkpoint import Checkpointer, CheckpointPolicy
from desktop_app.storage.engine import BUSY_TIMEOUT_MS, make_engine, tune_reads
from desktop_app.storage.errors import translate
from desktop_app.storage.ledger import rebuild_state
from desktop_app.storage.opt_out_import import OptOutReader, preview_file
from desktop_app.storage.proof import verify_book
from desktop_app.storage.signing import BookKeyStore, KeyState, prepare_key
from desktop_app.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from desktop_app.domain.ports import ConsentBookPort

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
AUTO_BACKUP_EVERY = timedelta(days=1)
BACKUP_JOIN_SECONDS = 30.0  # closing waits this long for a daily backup still copying
NO_RECORD = decide({}, ALL)
_MAY_SEND_SQL = (
    "SELECT category, state, since, source, event_id FROM consent_state "
    "WHERE contact_key = ? AND category IN ('all', ?)"
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _check_file(path: Path) -> bool:
    """Whether the book exists already; refuse early (clearly) what SQLite would fail on obscurely."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BookReadOnlyError(f"Cannot create the folder for the consent book {folder}: {exc}") from exc
    if not os.access(folder, os.W_OK):
        raise BookReadOnlyError(f"The folder {folder} cannot be written; the consent book needs it writable.")
    if not path.exists() or path.stat().st_size == 0:
        return False
    if not os.access(path, os.W_OK):
        raise BookReadOnlyError(
            f"The consent book {path} is read-only. Nothing was changed; make the file writable and restart."
        )
    with path.open("rb") as handle:
        if handle.read(16) != SQLITE_HEADER:
            raise BookCorruptError(f"{path} is not a consent book (not an SQLite database).")
    return True


def _check_and_repair(path: Path, backups: Path | None, busy_timeout_ms: int) -> tuple[bool, list[str]]:
    """Whether the book exists, and what the start-up integrity check repaired in it."""
    try:
        if not _check_file(path):
            return False, []
        return True, integrity.check_and_repair(path, busy_timeout_ms)
    except integrity.RecordsDamagedError as exc:
        raise BookCorruptError(restore.damaged_message(path, backups, str(exc))) from exc
    except BookCorruptError as exc:
        raise BookCorruptError(restore.damaged_message(path, backups, str(exc))) from exc
    except sqlite3.Error as exc:
        translated = translate(exc, path)
        if isinstance(translated, BookCorruptError):
            raise BookCorruptError(restore.damaged_message(path, backups, str(exc))) from exc
        if translated is not None:
            raise translated from exc
        raise


class WrongThreadWriteError(RuntimeError):
    """A programming error: a write was made on a thread that was told never to write (the UI thread)."""


class ConsentBook:
    """Create with ConsentBook.open(); close() when done. Safe to share between threads."""

    def __init__(
        self,
        path: Path,
        *,
        default_region: str,
        backup_dir: Path | None,
        keep_backups: int,
        now: Callable[[], datetime],
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        key: KeyState | None = None,
        checkpoints: CheckpointPolicy | None = None,
    ) -> None:
        self.path = path
        self.key = key or KeyState()  # the ledger's signing key, if this computer's keychain has it
        self._sign = self.key.key.row_mac if self.key.key else None
        self.default_region = default_region
        self.backup_dir = backup_dir
        self.keep_backups = keep_backups
        self.now = now
        self._write: Engine = make_engine(
            path, immediate=True, busy_timeout_ms=busy_timeout_ms, auto_checkpoint=False
        )
        self._read: Engine = make_engine(path, immediate=False, busy_timeout_ms=busy_timeout_ms)
        self._fast = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._fast.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        tune_reads(self._fast)
        self._fast_lock = threading.Lock()
        self._categories: tuple[str, ...] = ()
        self._category_set: frozenset[str] = frozenset()
        self._closed = False
        self._write_forbidden_on: set[int] = set()  # thread idents that must never write (the UI thread)
        self.repairs: list[str] = []  # what the start-up integrity check rebuilt, in plain words
        self._backup_thread: threading.Thread | None = None
        self._refresh_categories()
        self._checkpointer = Checkpointer(path, checkpoints)
        self._checkpointer.start()
        self._anchor: AnchorKeeper | None = None
        if self.key.book_id is not None:  # books before revision 0004 (asked for by tests) have no anchor
            self._anchor = AnchorKeeper(path, self.key, now, busy_timeout_ms=busy_timeout_ms)
            self._anchor.start()

    # lifecycle --------------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        default_region: str = "US",
        backup_dir: str | Path | None = None,
        keep_backups: int = 10,
        *,
        now: Callable[[], datetime] = _utcnow,
        target_revision: str = "head",
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        keys: BookKeyStore | None = None,
        checkpoints: CheckpointPolicy | None = None,
    ) -> ConsentBook:
        """Open (creating or upgrading) the book: back up first when upgrading an existing file."""
        path = Path(path).expanduser().resolve()
        backups = Path(backup_dir).expanduser().resolve() if backup_dir else None
        existed, repairs = _check_and_repair(path, backups, busy_timeout_ms)
        try:
            cls._migrate(path, existed, backups, keep_backups, now, target_revision)
            book = cls(
                path,
                default_region=default_region,
                backup_dir=backups,
                keep_backups=keep_backups,
                now=now,
                busy_timeout_ms=busy_timeout_ms,
                key=prepare_key(path, keys, busy_timeout_ms),
                checkpoints=checkpoints,
            )
        except Exception as exc:
            translated = translate(exc, path)
            if isinstance(translated, BookCorruptError):
                raise BookCorruptError(restore.damaged_message(path, backups, str(exc))) from exc
            if translated is not None:
                raise translated from exc
            raise
        book.repairs = repairs
        if existed and backups is not None:
            book._start_auto_backup()
        return book

    @staticmethod
    def _migrate(
        path: Path, existed: bool, backups: Path | None, keep: int, now: Callable[[], datetime], target: str
    ) -> None:
        if existed and target == "head" and migrate.stored_revision(path) == migrate.HEAD_REVISION:
            return  # up to date: no Alembic at all on the common start
        copied = not existed and target == "head" and migrate.copy_template(path)
        engine = make_engine(path, immediate=True, foreign_keys=False, pool="null")
        try:
            if not copied and not ConsentBook._upgrade(engine, path, existed, backups, keep, now, target):
                return
            with engine.begin() as connection:
                for name in DEFAULT_CATEGORIES:
                    connection.exec_driver_sql(
                        "INSERT INTO categories(name, builtin, created_at) VALUES (?, 1, ?) "
                        "ON CONFLICT(name) DO NOTHING",
                        (name, iso_utc(now())),
                    )
        finally:
            engine.dispose()

    @staticmethod
    def _upgrade(
        engine: Engine,
        path: Path,
        existed: bool,
        backups: Path | None,
        keep: int,
        now: Callable[[], datetime],
        target: str,
    ) -> bool:
        """Run Alembic up to `target` (backing up first); False when the book was already there."""
        with engine.connect() as connection:
            current = migrate.current_revision(connection)
            if current is None and existed and migrate.has_foreign_tables(connection):
                raise BookCorruptError(
                    f"{path} is an SQLite file but not a consent book; refusing to touch it."
                )
            connection.rollback()
        migrate.check_known(current, path)
        wanted = migrate.head_revision() if target == "head" else target
        if current == wanted:
            return False
        if existed and current is not None and backups is not None:
            made = backup.take_backup(path, backups, reason=f"before-upgrade-{current}", keep=keep, now=now())
            write_sidecar(made, None, now())
            log.info("backed up %s to %s before upgrading from %s", path, made, current)
        migrate.upgrade(engine, path, target)
        return True

    def _start_auto_backup(self) -> None:
        """The daily copy runs beside the app: a big book must not delay the window by its copy time."""
        self._backup_thread = threading.Thread(target=self._auto_backup, name="daily-backup", daemon=True)
        self._backup_thread.start()

    def _auto_backup(self) -> None:
        assert self.backup_dir is not None
        existing = backup.list_backups(self.path, self.backup_dir)
        if (
            existing
            and datetime.fromtimestamp(existing[-1].stat().st_mtime, UTC) > self.now() - AUTO_BACKUP_EVERY
        ):
            return
        try:
            self.backup(reason="daily")
        except (OSError, sqlite3.Error) as exc:  # a failed backup must not stop the shop from working
            log.error("automatic backup of %s failed: %s", self.path, exc)

    def backup(self, reason: str = "manual") -> Path:
        """A consistent copy via the online backup API; keeps the newest `keep_backups` copies."""
        if self.backup_dir is None:
            raise BookError("no backup folder is configured for this consent book")
        made = backup.take_backup(
            self.path, self.backup_dir, reason=reason, keep=self.keep_backups, now=self.now()
        )
        write_sidecar(made, self.key.key, self.now())
        return made

    def checkpoint(self, mode: str = "PASSIVE") -> None:
        """Copy the WAL into the book now (the background thread otherwise does it within seconds).

        Useful after a very large write such as an import or a rebuild; TRUNCATE also shrinks the WAL file.
        """
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        self._checkpointer.checkpoint(mode)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._backup_thread is not None:
            self._backup_thread.join(BACKUP_JOIN_SECONDS)
            if self._backup_thread.is_alive():
                log.warning("Daily backup of %s unfinished at exit; it runs again next start", self.path)
        if self._anchor is not None:
            self._anchor.stop()
        with self._fast_lock:
            self._fast.close()
        self._write.dispose()
        self._read.dispose()
        self._checkpointer.stop()

    def __enter__(self) -> ConsentBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing ------------------------------------------------------------------------------------------
    def forbid_writes_from(self, thread: threading.Thread) -> None:
        """Refuse every write made on `thread` (the GUI forbids its own: a click never waits on the disk)."""
        if thread.ident is not None:
            self._write_forbidden_on.add(thread.ident)

    def _check_writer_thread(self) -> None:
        if threading.get_ident() in self._write_forbidden_on:
            raise WrongThreadWriteError(
                f"a write to the consent book was attempted on thread {threading.current_thread().name!r}, "
                "which must never wait on the disk; submit it to the book writer instead"
            )

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One BEGIN IMMEDIATE ... COMMIT; rolls back and re-raises (as BookError when explainable)."""
        self._check_writer_thread()
        try:
            with self._write.connect() as connection, connection.begin():
                raw = connection.connection.driver_connection
                assert isinstance(raw, sqlite3.Connection)
                yield UnitOfWork(
                    raw,
                    default_region=self.default_region,
                    now=self.now,
                    categories=frozenset(self._categories),
                    sign=self._sign,
                )
            if self._anchor is not None:
                self._anchor.touch()  # committed: the anchor thread catches up shortly (no fsync here)
        except Exception as exc:
            translated = translate(exc, self.path)
            if translated is not None:
                raise translated from exc
            raise

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self._read.connect() as connection, connection.begin():
                yield connection
        except Exception as exc:
            translated = translate(exc, self.path)
            if translated is not None:
                raise translated from exc
            raise

    # the gate ------------------------------------------------------------------------------------------
    def resolve_key(self, key_or_phone: str) -> str:
        """A contact key from whatever the caller has: E.164 or user id as stored, or a typed number."""
        return typed_contact_key(key_or_phone, self.default_region)  # PhoneNumberError for anything else

    def _check_category(self, category: str) -> None:
        if category not in self._categories:
            raise ValueError(f"unknown consent category {category!r}; known: {', '.join(self._categories)}")

    def may_send(self, key_or_phone: str, category: str) -> Decision:
        """The single gate for every outgoing message except the one confirmation of an opt-out.

        Unknown contacts are allowed. A phone-like argument that is not a possible number raises
        PhoneNumberError; an unknown category raises ValueError (a typo must never mean "allowed").
        """
        if category not in self._category_set:
            self._check_category(category)
        key = key_or_phone if is_e164(key_or_phone) else self.resolve_key(key_or_phone)
        with self._fast_lock:
            rows = self._fast.execute(_MAY_SEND_SQL, (key, category)).fetchall()
        if not rows:
            return NO_RECORD
        states = {row[0]: CategoryState(row[0], row[1], parse_iso(row[2]), row[3], row[4]) for row in rows}
        return decide(states, category)

    def mark_confirmation(
        self, event_id: int, provider_message_id: str | None, sent_at: datetime | None, status: str | None
    ) -> None:
        with self.unit_of_work() as uow:
            uow.mark_confirmation(event_id, provider_message_id, sent_at, status)

    def get_cursor(self, name: str) -> str | None:
        with self._reading() as conn:
            row = conn.exec_driver_sql("SELECT value FROM cursors WHERE name = ?", (name,)).first()
        return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str) -> None:
        with self.unit_of_work() as uow:
            uow.set_cursor(name, value)

    # review queue ------------------------------------------------------------------------------------
    def pending_detections(self, limit: int | None = None) -> list[DetectionRecord]:
        with self._reading() as conn:
            return reads.detections_with_status(conn, "pending", limit, newest_first=False)

    def auto_applied_detections(self, limit: int = 200) -> list[DetectionRecord]:
        with self._reading() as conn:
            return reads.detections_with_status(conn, "auto_applied", limit, newest_first=True)

    def preference_changes(self, limit: int = 200) -> list[tuple[ConsentEventRecord, str | None]]:
        """Changes customers made in WhatsApp's own menu (no detection stands for them), newest first."""
        with self._reading() as conn:
            return applied.preference_changes(conn, limit)

    def detection(self, det_id: int) -> DetectionRecord | None:
        with self._reading() as conn:
            return reads.detection_by_id(conn, det_id)

    def resolve_detection(
        self, det_id: int, *, confirm: bool, decided_by: str = "owner"
    ) -> ConsentEventRecord | None:
        """Confirm (append the ledger event, dated at the message time) or dismiss (no ledger event)."""
        with self.unit_of_work() as uow:
            return review.resolve(uow, det_id, confirm=confirm, decided_by=decided_by)

    def reopen_detection(self, det_id: int) -> None:
        """Undo a dismissal: the detection goes back to the review queue."""
        with self.unit_of_work() as uow:
            review.reopen(uow, det_id)

    def reverse_detection(self, det_id: int, decided_by: str = "owner") -> ConsentEventRecord:
        """Undo an applied detection with a NEW opposite ledger event (source reversal); never an edit."""
        with self.unit_of_work() as uow:
            return review.reverse(uow, det_id, decided_by=decided_by)

    # read side -----------------------------------------------------------------------------------------
    def conversations(
        self, filter: str = "all", search: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[ConversationSummary]:
        with self._reading() as conn:
            return reads.conversations(conn, filter, search, offset, limit)

    def count_conversations(self, filter: str = "all", search: str | None = None) -> int:
        with self._reading() as conn:
            return reads.count_conversations(conn, filter, search)

    def thread(self, contact_key: str, limit: int = 500) -> list[MessageRecord]:
        with self._reading() as conn:
            return reads.thread(conn, contact_key, limit)

    def contact(self, contact_key: str) -> ContactRecord | None:
        with self._reading() as conn:
            return reads.contact(conn, contact_key)

    def consent_state(self, contact_key: str) -> dict[str, CategoryState]:
        with self._reading() as conn:
            return reads.states_for(conn, self.resolve_key(contact_key), self._categories)

    def history(self, contact_key: str) -> list[ConsentEventRecord]:
        with self._reading() as conn:
            return reads.history(conn, self.resolve_key(contact_key))

    def unconfirmed_opt_outs(self, since: datetime) -> list[tuple[ConsentEventRecord, str | None]]:
        """Customer opt-outs recorded since `since` that never got a confirmation (e.g. a crash
        between the commit and the send), each with its detected language."""
        with self._reading() as conn:
            return reads.unconfirmed_opt_outs(conn, since)

    def event(self, event_id: int) -> ConsentEventRecord | None:
        with self._reading() as conn:
            return reads.event_by_id(conn, event_id)

    def consent_page(
        self, filter: str = "all", search: str | None = None, offset: int = 0, limit: int = 200
    ) -> list[ConsentRow]:
        with self._reading() as conn:
            return reads.consent_page(conn, filter, search, offset, limit, self.now())

    def count_consent(self, filter: str = "all", search: str | None = None) -> int:
        with self._reading() as conn:
            return reads.count_consent(conn, filter, search, self.now())

    def contact_consent_page(
        self,
        filter: str = "all",
        search: str | None = None,
        after: tuple[str, str, str] | None = None,
        limit: int = 200,
    ) -> list[ContactConsentRow]:
        """The consent table by contact (latest change first); `after` is the last row's `position`."""
        with self._reading() as conn:
            return reads.contact_consent_page(conn, filter, search, after, limit, self.now())

    def count_contact_consent(self, filter: str = "all", search: str | None = None) -> int:
        with self._reading() as conn:
            return reads.count_contact_consent(conn, filter, search, self.now())

    def categories(self) -> list[str]:
        return list(self._categories)

    def _refresh_categories(self) -> None:
        with self._reading() as conn:
            names = [row[0] for row in conn.exec_driver_sql("SELECT name FROM categories")]
        ordered = [name for name in DEFAULT_CATEGORIES if name in names]
        self._categories = tuple(ordered + sorted(set(names) - set(ordered)))
        self._category_set = frozenset(self._categories)

    def add_category(self, name: str) -> None:
        if not CATEGORY_NAME.match(name):
            raise ValueError(f"category names are lower-case letters, digits and '_' (got {name!r})")
        with self.unit_of_work() as uow:
            uow.add_category(name)
        self._refresh_categories()

    def mark_read(self, contact_key: str) -> None:
        with self.unit_of_work() as uow:
            uow.mark_read(contact_key)

    # integrity --------------------------------------------------------------------------------------------
    def verify(self) -> VerifyResult:
        """Chain, signatures, cached state and anchor, all read in one snapshot (see docs/verify.md)."""
        with self._raw_reading() as raw:
            return verify_book(raw, self.key, anchor_path(self.path))

    def rebuild_state(self) -> int:
        with self.unit_of_work() as uow:
            return rebuild_state(uow.connection)

    def flush_anchor(self) -> None:
        """Write the anchor now (the anchor thread otherwise does it within a moment of each commit)."""
        if self._anchor is not None:
            self._anchor.flush()

    def reanchor(self) -> None:
        """Accept the book as it is now (e.g. after restoring a backup on purpose): a new anchor from it."""
        if self._anchor is not None:
            self._anchor.reset()

    def status_json(self, key_or_phone: str) -> dict[str, Any]:
        """The stable JSON shape of `consent-desk status --json`."""
        key = self.resolve_key(key_or_phone)
        states = self.consent_state(key)
        return {
            "phone": key,
            "categories": {
                name: {
                    "state": state.state,
                    "since": state.since.isoformat() if state.since else None,
                    "source": state.source,
                    "event_id": state.event_id,
                }
                for name, state in states.items()
            },
            "may_send": effective_may_send(states, self._categories),
        }

    # exchange -------------------------------------------------------------------------------------------
    @contextmanager
    def _raw_reading(self) -> Iterator[sqlite3.Connection]:
        with self._reading() as conn:
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            yield raw

    def export_consent(
        self,
        fp: IO[str],
        fmt: str = "csv",
        progress: exchange.Progress | None = None,
        cancelled: exchange.Cancelled | None = None,
    ) -> int:
        """Stream the current state (one row per contact and category); returns rows written."""
        with self._raw_reading() as raw:
            total = int(raw.execute("SELECT count(*) FROM consent_state").fetchone()[0])
            return exchange.stream_rows(
                raw, exchange.CONSENT_EXPORT, fp, fmt, total, progress, cancelled, trailer(observe(raw))
            )

    def export_ledger(
        self,
        fp: IO[str],
        fmt: str = "csv",
        progress: exchange.Progress | None = None,
        cancelled: exchange.Cancelled | None = None,
    ) -> int:
        """Stream the full ledger with evidence, hashes and confirmations; returns rows written."""
        with self._raw_reading() as raw:
            total = int(raw.execute("SELECT coalesce(max(id), 0) FROM consent_events").fetchone()[0])
            return exchange.stream_rows(
                raw, exchange.LEDGER_EXPORT, fp, fmt, total, progress, cancelled, trailer(observe(raw))
            )

    def import_opt_outs(
        self,
        path: str | Path,
        default_region: str | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Append an opt-out per good row, all in one transaction; bad rows are reported by line.

        Re-importing changes nothing. A file that cannot be read to its end (ImportFileError), a
        Cancel (`cancelled()` true: ImportCancelledError) or a book error commits nothing from it.
        `progress(bytes read, file size)` is called every few hundred rows.
        """
        report = ImportReport()
        reader = OptOutReader(
            Path(path),
            default_region or self.default_region,
            self._categories,
            self.now(),
            report,
            progress,
            cancelled,
        )
        with self.unit_of_work() as uow:
            for new in reader.events():
                if uow.append_event(new) is None:
                    report.skipped_duplicates += 1
                else:
                    report.imported += 1
        return report

    def preview_import(self, path: str | Path, rows: int = 8) -> ImportPreview:
        """How `import_opt_outs` would read this file (encoding, delimiter, first rows); writes nothing."""
        return preview_file(Path(path), rows)

    # data-subject requests ------------------------------------------------------------------------------
    def export_contact(self, key_or_phone: str) -> dict[str, Any]:
        with self._raw_reading() as raw:
            return dsr.export_contact(raw, self.resolve_key(key_or_phone), self.now())

    def erase_contact_messages(self, key_or_phone: str) -> int:
        """Erase message contents and the name; the ledger keeps the minimal proof of their choices."""
        with self.unit_of_work() as uow:
            return dsr.erase_messages(uow.connection, self.resolve_key(key_or_phone), self.now())

    # dashboard ------------------------------------------------------------------------------------------
    def weekly_stats(self, weeks: int = 12) -> list[WeekStats]:
        with self._raw_reading() as raw:
            return stats.weekly_stats(raw, weeks, self.now())

    def dashboard_extras(self, weeks: int = 12) -> DashboardExtras:
        """Share of owed confirmations sent within 5 minutes, and the languages requests came in."""
        with self._raw_reading() as raw:
            return dashboard.dashboard_extras(raw, weeks, self.now())


if TYPE_CHECKING:  # mypy proves the book is what the services expect of it
    _BOOK_PORT: type[ConsentBookPort] = ConsentBook
