"""Builds and owns the running parts of the app: book, detector, pipeline, sender and inbound source."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.model import IngestResult
from desktop_app.providers.base import ConnectionState, Sender
from desktop_app.providers.demo import BAKERY, DemoSender, DemoSimulator
from desktop_app.services.book_key import EphemeralBookKeys, KeychainBookKeys
from desktop_app.services.detector_model import load_second_opinion
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.paths import AppPaths
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

log = logging.getLogger(__name__)

StateListener = Callable[[str, str], None]


def reset_demo_book(path: Path) -> None:
    """Each demo run starts from the same story; the real book is never touched."""
    for suffix in ("", "-wal", "-shm", "-journal", ".anchor"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def build_detector(settings: Settings) -> Detector:
    lexicon = Lexicon.load_default()
    if settings.lexicon_additions or settings.lexicon_removals:
        lexicon = lexicon.with_overrides(settings.lexicon_additions, settings.lexicon_removals)
    # The learned second opinion only ever raises a message to review (resources/model/).
    return Detector(lexicon, second_opinion=load_second_opinion())


class AppRuntime:
    """The composition of services for one app session (GUI or headless)."""

    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        *,
        demo: bool = False,
        secrets: SecretStore | None = None,
        bridge: Any = None,
        demo_pace: float = 1.0,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.is_demo = demo or settings.provider == "demo"
        self.secrets = secrets or SecretStore()
        self.bridge = bridge
        self._demo_pace = demo_pace
        self._source: Any = None
        self.connection_state = ConnectionState.NOT_CONFIGURED.value
        self.connection_message = ""
        self.last_event_at: str | None = None
        paths.ensure()
        if self.is_demo:
            book_path = paths.demo_book_path
            book_path.parent.mkdir(parents=True, exist_ok=True)
            reset_demo_book(book_path)
            backup_dir = book_path.parent / "backups"
        else:
            book_path = paths.book_path
            backup_dir = paths.backup_dir
        self.book = ConsentBook.open(
            book_path,
            default_region=settings.default_region,
            backup_dir=backup_dir,
            keep_backups=settings.keep_backups,
            keys=EphemeralBookKeys() if self.is_demo else KeychainBookKeys(self.secrets),
        )
        self.detector = build_detector(settings)
        self.sender: Sender | None = self._make_sender()
        # Confirmations leave on their own thread: "Confirm opt-out" never waits on the network.
        self._confirmations = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confirmations")
        self.pipeline = IngestPipeline(
            self.book,
            self.detector,
            settings,
            sender=self.sender,
            on_result=self._on_result,
            confirmation_executor=self._confirmations,
        )
        self.inbox = self._make_inbox()

    @property
    def shop_name(self) -> str:
        if self.settings.shop_name:
            return self.settings.shop_name
        return BAKERY.shop_name if self.is_demo else "your shop"

    # -- composition ---------------------------------------------------------------------------
    def _make_sender(self) -> Sender | None:
        if self.is_demo:
            return DemoSender()
        from desktop_app.services.connections import make_sender

        return make_sender(self.settings, self.secrets)  # None until credentials are entered

    def _make_inbox(self) -> Any:
        from desktop_app.services.inbox import InboxService

        return InboxService(self)

    def sender_for(self, settings: Settings, secrets: Any) -> Sender:
        """For Settings' "Test connection": a sender built from what the owner just typed."""
        if settings.provider == "demo":
            return DemoSender()
        from desktop_app.services.connections import sender_for

        return sender_for(settings, secrets)

    def set_detector(self, detector: Detector) -> None:
        self.detector = detector
        self.pipeline.set_detector(detector)

    def update_settings(self, settings: Settings) -> None:
        """Save the owner's changes and apply those that take effect at once."""
        lexicon_changed = (
            settings.lexicon_additions != self.settings.lexicon_additions
            or settings.lexicon_removals != self.settings.lexicon_removals
        )
        settings.save(self.paths.settings_path)
        self.settings = settings
        self.pipeline.settings = settings
        if lexicon_changed:
            self.set_detector(build_detector(settings))

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._source is not None:
            return
        try:
            self.pipeline.resend_missing_confirmations()
        except Exception:  # a failed recovery must not keep the shop from working
            log.exception("Could not look for confirmations that had not gone out")
        if self.is_demo:
            simulator = DemoSimulator(self.pipeline.ingest, pace=self._demo_pace)
            if isinstance(self.sender, DemoSender):
                self.sender.attach(simulator)
            self._source = simulator
            simulator.start()
            self._set_state(
                ConnectionState.DEMO.value,
                "Demo — customers are simulated. Connect your number in Settings → Connection.",
            )
            return
        from desktop_app.services.connections import NotConfiguredError, start_source

        try:
            self._source = start_source(self)
        except NotConfiguredError as exc:
            self._set_state(ConnectionState.NOT_CONFIGURED.value, str(exc))
        except OSError as exc:
            log.warning("Could not start the %s connection: %s", self.settings.provider, exc)
            self._set_state(
                ConnectionState.OFFLINE.value,
                f"Could not listen on port {self.settings.webhook_port} ({exc.strerror or exc}). "
                "Choose another port in Settings → Connection.",
            )

    def stop(self) -> None:
        """Stops the inbound source and waits for its thread; then closes the book."""
        source, self._source = self._source, None
        if source is not None:
            source.stop()
        self._confirmations.shutdown(wait=True)
        self.book.close()

    @property
    def source(self) -> Any:
        return self._source

    # -- events from worker threads ------------------------------------------------------------
    def _on_result(self, result: IngestResult) -> None:
        if self.bridge is not None:
            self.bridge.report_ingest(result, list(result.opt_out_contacts))

    def _set_state(self, state: str, message: str) -> None:
        self.connection_state, self.connection_message = state, message
        if self.bridge is not None:
            self.bridge.report_connection(state, message)

    def report_state(self, state: str, message: str) -> None:
        """For pollers and servers: called from any thread."""
        self._set_state(state, message)
