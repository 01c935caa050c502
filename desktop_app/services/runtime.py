"""The GUI session: opens the book, builds the house (services.composition) and runs the provider's source."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.domain.detection import Detector
from desktop_app.domain.model import IngestResult
from desktop_app.domain.ports import ConsentBookPort
from desktop_app.providers.base import ConnectionCheck, ConnectionState, Sender
from desktop_app.providers.demo import BAKERY
from desktop_app.services.book_key import EphemeralBookKeys, KeychainBookKeys
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.composition import BUILD_SENDER, House, build_detector
from desktop_app.services.connections import (
    ClosableSender,
    InboundSource,
    NotConfiguredError,
    SecretReader,
    UnconfiguredSender,
)
from desktop_app.services.demo_connection import DEMO
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.paths import AppPaths
from desktop_app.services.preference_links import PreferenceLinks
from desktop_app.services.preferences_wiring import open_preferences_page
from desktop_app.services.provider_registry import provider_spec
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

if TYPE_CHECKING:
    from desktop_app.services.qtbridge import RuntimeBridge
    from desktop_app.services.tunnel_keeper import TunnelKeeper, TunnelStatus

log = logging.getLogger(__name__)

StateListener = Callable[[str, str], None]
__all__ = ["AppRuntime", "build_detector", "reset_demo_book"]


def reset_demo_book(path: Path) -> None:
    """Each demo run starts from the same story; the real book is never touched."""
    for suffix in ("", "-wal", "-shm", "-journal", ".anchor"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class AppRuntime:
    """One app session: the book, and the house built on it (writer, pipeline, network pool, sender)."""

    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        *,
        demo: bool = False,
        secrets: SecretStore | None = None,
        bridge: RuntimeBridge | None = None,  # where worker threads report to the window
        demo_pace: float = 1.0,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.is_demo = demo or settings.provider == "demo"
        self.secrets = secrets or SecretStore()
        self._page_links: PreferenceLinks | None = None  # the preferences page's, while a server runs
        self.bridge = bridge
        self._demo_pace = demo_pace
        self.connection_state = ConnectionState.NOT_CONFIGURED.value
        self.connection_message = ""
        self.tunnel_status = ""  # "Tunnel up since 09:12 UTC: https://…" while a tunnel runs
        self._tunnel_url: str | None = None
        self.tunnel: TunnelKeeper | None = None
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
        try:
            spec = DEMO if self.is_demo else provider_spec(settings.provider)
        except NotConfiguredError as exc:
            log.warning("%s", exc)
            spec = None
        self.house = House(
            self.book,
            settings,
            self.secrets,
            provider=spec or DEMO,
            sender=None if spec is None else BUILD_SENDER,
            on_result=self._on_result,
        )
        self._unknown_provider = spec is None

    # -- the house's parts, by their old names ---------------------------------------------------
    @property
    def writer(self) -> BookWriter[ConsentBookPort]:
        """The one book writer: every write of this session is submitted here."""
        return self.house.writer

    @property
    def pipeline(self) -> IngestPipeline:
        return self.house.pipeline

    @property
    def detector(self) -> Detector:
        return self.house.pipeline.detector

    @property
    def sender(self) -> ClosableSender | None:
        return self.house.sender

    @property
    def source(self) -> InboundSource | None:
        return self.house.source

    @property
    def shop_name(self) -> str:
        if self.settings.shop_name:
            return self.settings.shop_name
        return BAKERY.shop_name if self.is_demo else "your shop"

    def sender_for(self, settings: Settings, secrets: SecretReader) -> Sender:
        """For Settings' "Test connection": a sender built from what the owner just typed."""
        try:
            spec = provider_spec(settings.provider)
        except NotConfiguredError as exc:
            return UnconfiguredSender(str(exc))
        return spec.sender_for(settings, secrets)

    def register_webhook(self, settings: Settings, secrets: SecretReader, public_url: str) -> ConnectionCheck:
        """For Settings' tunnel: register its public URL with the provider (Meta's subscription)."""
        try:
            register = provider_spec(settings.provider).register_webhook
        except NotConfiguredError as exc:
            return ConnectionCheck(False, ConnectionState.NOT_CONFIGURED, str(exc))
        if register is None:
            return ConnectionCheck(True, ConnectionState.CONNECTED, "Nothing to register for this provider.")
        return register(settings, secrets, public_url)

    def set_detector(self, detector: Detector) -> None:
        self.house.detector = detector
        self.pipeline.set_detector(detector)

    def update_settings(self, settings: Settings) -> None:
        """Save the owner's changes and apply those that take effect at once."""
        lexicon_changed = (
            settings.lexicon_additions != self.settings.lexicon_additions
            or settings.lexicon_removals != self.settings.lexicon_removals
        )
        settings.save(self.paths.settings_path)
        self.settings = settings
        self.house.settings = settings
        self.pipeline.settings = settings
        if lexicon_changed:
            self.set_detector(build_detector(settings))

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        if self.house.source is not None:
            return
        try:
            self.pipeline.resend_missing_confirmations()
        except Exception:  # a failed recovery must not keep the shop from working
            log.exception("Could not look for confirmations that had not gone out")
        if self._unknown_provider:
            self._set_state(
                ConnectionState.NOT_CONFIGURED.value,
                f"Unknown provider {self.settings.provider!r}; choose one in Settings → Connection.",
            )
            return
        try:
            self.house.start_source(self._report, pace=self._demo_pace)
        except NotConfiguredError as exc:
            self._set_state(ConnectionState.NOT_CONFIGURED.value, str(exc))
            return
        except OSError as exc:
            log.warning("Could not start the %s connection: %s", self.settings.provider, exc)
            self._set_state(
                ConnectionState.OFFLINE.value,
                f"Could not listen on port {self.settings.webhook_port} ({exc.strerror or exc}). "
                "Choose another port in Settings → Connection.",
            )
            return
        self._page_links = open_preferences_page(self.house, self.book, self.secrets)
        self.start_tunnel_if_set_up()

    def start_tunnel_if_set_up(self) -> threading.Thread | None:
        """Meta with an ngrok authtoken saved: open the tunnel at start-up (a thread) and keep it up."""
        if self.is_demo or self.settings.provider != "meta" or self.tunnel is not None:
            return None
        from desktop_app.services.tunnel_keeper import AUTHTOKEN_SECRET

        try:
            authtoken = self.secrets.get(AUTHTOKEN_SECRET)
        except Exception as exc:  # a locked keychain: the owner can still start it from Settings
            log.info("No tunnel at start-up: the keychain did not answer (%s)", type(exc).__name__)
            return None
        if not authtoken:
            return None
        thread = threading.Thread(
            target=self._open_tunnel, args=(authtoken,), name="tunnel-start", daemon=True
        )
        thread.start()
        return thread

    def _open_tunnel(self, authtoken: str) -> None:
        from desktop_app.services.tunnel import TunnelError
        from desktop_app.services.tunnel_keeper import (
            TunnelKeeper,
            TunnelState,
            TunnelStatus,
            choose_backend,
        )

        port = self.settings.webhook_port
        address = getattr(self.house.source, "address", None)
        if address:
            port = address[1]
        try:
            backend = choose_backend(authtoken, self.settings.ngrok_domain)
            keeper = TunnelKeeper(
                backend, port, on_status=self.report_tunnel, on_url=self._register_public_url
            )
            keeper.start()
        except TunnelError as exc:
            log.warning("The tunnel did not open at start-up: %s", exc)
            self.report_tunnel(TunnelStatus(TunnelState.DOWN, datetime.now(UTC), detail=str(exc)))
            return
        self.tunnel = keeper

    def stop(self) -> None:
        """Stops the tunnel, the source, then due confirmations and the writer; then closes the book."""
        tunnel, self.tunnel = self.tunnel, None
        if tunnel is not None:
            tunnel.stop()
        self.house.close()
        if self._page_links is not None:
            self._page_links.close()
        self.book.close()

    # -- events from worker threads ------------------------------------------------------------
    def _on_result(self, result: IngestResult) -> None:
        if self.bridge is not None:
            self.bridge.report_ingest(result, list(result.opt_out_contacts))

    def _report(self, state: ConnectionState, message: str) -> None:
        self._set_state(state.value, message)

    def _set_state(self, state: str, message: str) -> None:
        self.connection_state, self.connection_message = state, message
        if self.bridge is not None:
            tunnel = self.tunnel_status
            self.bridge.report_connection(
                state, f"{message} · {tunnel}" if tunnel and message else message or tunnel
            )

    def report_tunnel(self, status: TunnelStatus) -> None:
        """The tunnel's state (up, reconnecting, down, since when) joins the connection line; any thread."""
        self.tunnel_status = status.describe()
        log.info("%s", self.tunnel_status)
        self._set_state(self.connection_state, self.connection_message)

    def tunnel_url_changed(self, url: str) -> None:
        """The Settings tunnel's address; the first is registered by the dialog, a later new one here."""
        previous, self._tunnel_url = self._tunnel_url, url
        if previous is not None and previous != url:
            self._register_public_url(url)

    def _register_public_url(self, url: str) -> None:
        """A tunnel on an address Meta was not given: register it through the running source."""
        if url == self.settings.public_url:
            return  # the source registered the saved address when it started
        self.settings.public_url = url
        register = getattr(self.house.source, "register", None)
        if callable(register):
            register(url)

    def report_state(self, state: str, message: str) -> None:
        """For pollers and servers: called from any thread."""
        self._set_state(state, message)
