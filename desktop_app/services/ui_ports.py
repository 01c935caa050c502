"""What the UI's services need of the consent book and the running app, as Protocols.

storage.book.ConsentBook and services.runtime.AppRuntime satisfy them (mypy checks it where the app
builds the bundle, in app.py and the tests). Typing with these instead of importing storage keeps
SQLAlchemy out of the UI's import graph (the import-linter contract).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Protocol, TypeVar

from desktop_app.domain.model import CategoryState, ConsentEventRecord
from desktop_app.domain.ports import ConsentBookPort
from desktop_app.domain.records import (
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
from desktop_app.providers.base import SendResult

T = TypeVar("T")


class UiBook(ConsentBookPort, Protocol):
    """The consent book's reads the screens show, and the few writes the owner's clicks make."""

    path: Path
    backup_dir: Path | None

    def categories(self) -> list[str]: ...

    def conversations(
        self, filter: str = "all", search: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[ConversationSummary]: ...

    def thread(self, contact_key: str, limit: int = 500) -> list[MessageRecord]: ...

    def contact(self, contact_key: str) -> ContactRecord | None: ...

    def consent_state(self, contact_key: str) -> dict[str, CategoryState]: ...

    def history(self, contact_key: str) -> list[ConsentEventRecord]: ...

    def consent_page(
        self, filter: str = "all", search: str | None = None, offset: int = 0, limit: int = 200
    ) -> list[ConsentRow]: ...

    def count_consent(self, filter: str = "all", search: str | None = None) -> int: ...

    def contact_consent_page(
        self,
        filter: str = "all",
        search: str | None = None,
        after: tuple[str, str, str] | None = None,
        limit: int = 200,
    ) -> list[ContactConsentRow]: ...

    def count_contact_consent(self, filter: str = "all", search: str | None = None) -> int: ...

    def pending_detections(self, limit: int | None = None) -> list[DetectionRecord]: ...

    def auto_applied_detections(self, limit: int = 200) -> list[DetectionRecord]: ...

    def verify(self) -> VerifyResult: ...

    def backup(self, reason: str = "manual") -> Path: ...

    def weekly_stats(self, weeks: int = 12) -> list[WeekStats]: ...

    def export_consent(
        self,
        fp: IO[str],
        fmt: str = "csv",
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> int: ...

    def preview_import(self, path: Path, rows: int = 8) -> ImportPreview: ...

    def forbid_writes_from(self, thread: threading.Thread) -> None: ...

    # writes: the UI submits them to the book writer
    def mark_read(self, contact_key: str) -> None: ...

    def add_category(self, name: str) -> None: ...

    def reopen_detection(self, det_id: int) -> None: ...

    def reverse_detection(self, det_id: int, decided_by: str = "owner") -> ConsentEventRecord: ...

    def import_opt_outs(
        self,
        path: str | Path,
        default_region: str | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ImportReport: ...


class Writer(Protocol):
    """Runs writes on the one book-writer thread (services.book_writer.BookWriter)."""

    def submit(self, op: Callable[[], T]) -> Future[T]: ...

    def is_writer_thread(self) -> bool: ...


class Outbox(Protocol):
    """The guarded outbox (services.outbox.GuardedOutbox): refuses unless the book allows."""

    def send(self, to: str, text: str, category: str, *, kind: str = "text") -> SendResult: ...


class Confirmer(Protocol):
    """The part of the ingest pipeline that records a confirmed request and sends its one confirmation."""

    def confirm_detection(
        self, det_id: int, decided_by: str = "owner", *, confirm_now: bool = True
    ) -> ConsentEventRecord | None: ...

    def detected_language(self, det_id: int) -> str | None: ...

    def confirm_later(self, record: ConsentEventRecord, language: str | None) -> None: ...
