"""The one typed bundle of services the desktop UI sees, built from the running app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from desktop_app.services.consent_book import ConsentBookService
from desktop_app.services.conversations import ConversationService
from desktop_app.services.exports import ExportService
from desktop_app.services.imports import ImportService
from desktop_app.services.outreach import OutreachService
from desktop_app.services.review import ReviewService
from desktop_app.services.shop_settings import SettingsHost, ShopSettingsService
from desktop_app.services.ui_ports import Confirmer, Outbox, UiBook, Writer

if TYPE_CHECKING:
    from desktop_app.services.confirmations import ConfirmationTemplates
    from desktop_app.services.paths import AppPaths
    from desktop_app.services.qtbridge import RuntimeBridge


class _Confirmations(Protocol):
    @property
    def templates(self) -> ConfirmationTemplates: ...


class UiPipeline(Confirmer, Protocol):
    """The ingest pipeline's parts the UI's services use."""

    @property
    def outbox(self) -> Outbox: ...

    @property
    def confirmations(self) -> _Confirmations: ...


class UiRuntime(SettingsHost, Protocol):
    """The running app as the UI bundle is built from it (services.runtime.AppRuntime)."""

    @property
    def book(self) -> UiBook: ...

    @property
    def pipeline(self) -> UiPipeline: ...

    @property
    def writer(self) -> Writer: ...

    @property
    def bridge(self) -> RuntimeBridge | None: ...

    @property
    def paths(self) -> AppPaths: ...

    @property
    def connection_state(self) -> str: ...

    @property
    def connection_message(self) -> str: ...


@dataclass(frozen=True, slots=True)
class UiServices:
    """Everything the window may call. Writes go through `writer`; the UI never touches the book."""

    conversations: ConversationService
    review: ReviewService
    consent_book: ConsentBookService
    exports: ExportService
    imports: ImportService
    outreach: OutreachService
    shop: ShopSettingsService
    writer: Writer
    bridge: RuntimeBridge | None
    config_dir: Path  # window geometry lives here
    first_run: bool  # no settings saved yet: the window offers the demo or a connection
    connection_status: Callable[[], tuple[str, str]]  # (ConnectionState value, plain message) now


def ui_services_for(runtime: UiRuntime, *, ui_thread: threading.Thread | None = None) -> UiServices:
    """Compose the UI's services and forbid book writes from `ui_thread` (default: the main thread).

    From here on any write attempted on the UI thread raises WrongThreadWriteError: a click never
    waits on the disk, and the UI tests fail if one tries.
    """
    book = runtime.book
    book.forbid_writes_from(ui_thread or threading.main_thread())
    review = ReviewService(book, runtime.pipeline, lambda: bool(runtime.settings.auto_mode))
    consent_book = ConsentBookService(book)
    return UiServices(
        conversations=ConversationService(book, review.pending_snapshot),
        review=review,
        consent_book=consent_book,
        exports=ExportService(book, consent_book),
        imports=ImportService(book),
        outreach=OutreachService(book, runtime.pipeline.outbox),
        shop=ShopSettingsService(runtime, book, runtime.pipeline.confirmations.templates),
        writer=runtime.writer,
        bridge=runtime.bridge,
        config_dir=runtime.paths.config_dir,
        first_run=not runtime.paths.settings_path.exists(),
        connection_status=lambda: (runtime.connection_state, runtime.connection_message),
    )
